#include "fanout.h"

#include "fanoutlane.h"

using namespace Qt::StringLiterals;

namespace {

// A lane's event loop needs little stack.
constexpr uint LaneStackBytes = 256 * 1024;

} // namespace

FanOut::FanOut(int lanes)
{
    for (int i = 0; i < std::max(lanes, 1); ++i) {
        auto thread = std::make_unique<QThread>();
        thread->setObjectName(u"natter-fanout-%1"_s.arg(i));
        thread->setStackSize(LaneStackBytes);
        auto lane = std::make_unique<FanOutLane>();
        lane->moveToThread(thread.get());
        QObject::connect(thread.get(), &QThread::finished, lane.get(), &QObject::deleteLater);
        thread->start();
        m_lanes.append(lane.release());
        m_threads.push_back(std::move(thread));
    }
}

FanOut::~FanOut()
{
    for (const std::unique_ptr<QThread> &thread : m_threads) {
        thread->quit();
        thread->wait();
    }
}

FanOutLane *FanOut::nextLane()
{
    return m_lanes.at(m_next.fetch_add(1, std::memory_order_relaxed) % m_lanes.size());
}
