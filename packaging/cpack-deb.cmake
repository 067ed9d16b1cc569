# Read by cpack before it makes the packages (CPACK_PROJECT_CONFIG_FILE in CMakeLists.txt).
#
# CPackDeb puts CPACK_PACKAGE_DESCRIPTION_SUMMARY, the project's one-line description, above
# each package's own description, so both packages would share one synopsis. Each has its own,
# the first line of its CPACK_DEBIAN_<COMPONENT>_DESCRIPTION.
unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
