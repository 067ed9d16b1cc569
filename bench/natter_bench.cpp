// natter-bench: the fan-out benchmark. N clients register; S of them publish 64-byte texts at an
// open-loop total rate R; every client times the delivery of every message from the send time
// carried in its text. The same workload runs against natter-server (each threading mode),
// Redis pub/sub (one channel, spoken in RESP) and a trivial epoll fan-out server inside this
// program, which shows the generator's own ceiling. docs/BENCHMARKS.md explains the figures.
//
// The generator is one epoll thread for all sockets; receiving looks for the timestamp marker
// in each line and parses nothing else.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

constexpr int TextBytes = 64;
constexpr double LossBound = 0.999; // at least this fraction of deliveries must arrive
constexpr double P99BoundMs = 25.0;

int64_t nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int freePort()
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    socklen_t length = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &length);
    close(fd);
    return ntohs(addr.sin_port);
}

long rssKiB(pid_t pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:") {
            long kib = 0;
            status >> kib;
            return kib;
        }
        status.ignore(1 << 20, '\n');
    }
    return -1;
}

// Latencies with microsecond resolution up to 1 s; slower ones are kept one by one.
class Histogram
{
public:
    void clear()
    {
        std::fill(m_us.begin(), m_us.end(), 0);
        m_slow.clear();
        m_count = 0;
        m_maxNs = 0;
    }
    void add(int64_t ns)
    {
        ++m_count;
        m_maxNs = std::max(m_maxNs, ns);
        const int64_t us = std::max<int64_t>(0, ns / 1000);
        if (us < int64_t(m_us.size())) {
            ++m_us[size_t(us)];
        } else {
            m_slow.push_back(us);
        }
    }
    double percentileMs(double p)
    {
        if (m_count == 0) {
            return 0;
        }
        const auto rank = uint64_t(std::ceil(p * double(m_count)));
        uint64_t seen = 0;
        for (size_t us = 0; us < m_us.size(); ++us) {
            seen += m_us[us];
            if (seen >= rank) {
                return double(us) / 1000.0;
            }
        }
        std::sort(m_slow.begin(), m_slow.end());
        const size_t index = std::min(m_slow.size() - 1, size_t(rank - seen - 1));
        return double(m_slow[index]) / 1000.0;
    }
    double maxMs() const { return double(m_maxNs) / 1e6; }
    uint64_t count() const { return m_count; }

private:
    std::vector<uint32_t> m_us = std::vector<uint32_t>(1'000'000);
    std::vector<int64_t> m_slow;
    uint64_t m_count = 0;
    int64_t m_maxNs = 0;
};

enum class Kind { Natter, Redis };

struct Conn
{
    int fd = -1;
    std::string in; // an incomplete line
    std::string out; // bytes the socket did not take yet
    bool connected = false;
    bool registered = false;
    bool subscriber = true; // Redis publishers are separate connections
    bool wantWrite = false;
};

struct RunResult
{
    double rate = 0; // messages a second, offered
    uint64_t sent = 0;
    uint64_t expected = 0;
    uint64_t delivered = 0;
    double seconds = 0;
    double p50 = 0, p99 = 0, max = 0;

    double deliveriesPerSecond() const { return double(delivered) / seconds; }
    double fraction() const { return expected ? double(delivered) / double(expected) : 0; }
    bool passes() const { return fraction() >= LossBound && p99 <= P99BoundMs; }
};

// The load generator: all client sockets on one epoll instance, driven from this thread.
class Load
{
public:
    // Client i goes to ports[i % ports.size()]: several ports are a cluster's servers.
    Load(Kind kind, std::vector<int> ports)
        : m_kind(kind)
        , m_ports(std::move(ports))
        , m_epoll(epoll_create1(0))
    {
    }
    ~Load()
    {
        for (Conn &c : m_conns) {
            if (c.fd >= 0) {
                close(c.fd);
            }
        }
        close(m_epoll);
    }

    // Opens n receiving clients (and, for Redis, `publishers` more that only publish) and
    // registers them; returns the seconds it took, or -1.
    double connectAll(int n, int publishers)
    {
        const int64_t start = nowNs();
        const int total = n + (m_kind == Kind::Redis ? publishers : 0);
        m_conns.resize(size_t(total));
        m_receivers = n;
        int opened = 0;
        int registered = 0;
        constexpr int InFlight = 64; // connects not yet registered
        while (registered < total) {
            while (opened < total && opened - registered < InFlight) {
                if (!open(opened, opened < n)) {
                    return -1;
                }
                ++opened;
            }
            pump(5);
            registered = countRegistered();
            if (nowNs() - start > 120'000'000'000) {
                std::fprintf(
                    stderr, "natter-bench: only %d of %d clients registered\n", registered, total);
                return -1;
            }
        }
        for (int i = 0; i < publishers; ++i) {
            m_publishers.push_back(m_kind == Kind::Redis ? n + i : i);
        }
        return double(nowNs() - start) / 1e9;
    }

    // How the generator reads between publishing.
    enum class Reading {
        // Everything ready, then a 1 ms pause: lines gather, as in any busy client, so reading
        // costs the generator about one syscall per socket a millisecond, not one per line.
        // For capacity: the generator spends little, but adds up to a few ms to each latency.
        Gathered,
        // Each line as soon as it lands, waiting in epoll until the next publication is due.
        // For latency: the generator adds microseconds, not milliseconds, but costs a syscall
        // per delivery, so it is used at modest rates only.
        Eager,
    };

    // Publishes at `rate` messages a second for `seconds`, then waits for the deliveries.
    RunResult run(double rate, double seconds, Reading reading = Reading::Gathered)
    {
        ++m_step;
        m_histogram.clear();
        m_delivered = 0;
        RunResult result;
        result.rate = rate;
        const int64_t start = nowNs();
        const auto duration = int64_t(seconds * 1e9);
        uint64_t sent = 0;
        size_t next = 0;
        for (;;) {
            const int64_t now = nowNs();
            if (now - start >= duration) {
                break;
            }
            const auto due = uint64_t(double(now - start) * rate / 1e9);
            for (int burst = 0; sent < due && burst < 20000; ++burst, ++sent) {
                publish(m_publishers[next], now);
                next = (next + 1) % m_publishers.size();
            }
            if (reading == Reading::Eager) {
                const auto nextDue = start + int64_t(double(sent + 1) * 1e9 / rate);
                pumpFor(std::clamp<int64_t>(nextDue - nowNs(), 0, 1'000'000));
            } else {
                pump(0);
                usleep(1000);
            }
        }
        result.sent = sent;
        result.expected = sent * uint64_t(m_receivers);
        // Stragglers: wait until all arrived, or nothing has for a second.
        uint64_t last = m_delivered;
        int64_t lastProgress = nowNs();
        while (m_delivered < result.expected && nowNs() - lastProgress < 1'000'000'000) {
            pump(10);
            if (m_delivered != last) {
                last = m_delivered;
                lastProgress = nowNs();
            }
        }
        result.seconds = seconds;
        result.delivered = m_delivered;
        result.p50 = m_histogram.percentileMs(0.50);
        result.p99 = m_histogram.percentileMs(0.99);
        result.max = m_histogram.maxMs();
        return result;
    }

    int alive() const
    {
        return int(
            std::count_if(m_conns.begin(), m_conns.end(), [](const Conn &c) { return c.fd >= 0; }));
    }

private:
    bool open(int index, bool subscriber)
    {
        Conn &c = m_conns[size_t(index)];
        c.subscriber = subscriber;
        c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (c.fd < 0) {
            std::perror("natter-bench: socket");
            return false;
        }
        const int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(uint16_t(m_ports[size_t(index) % m_ports.size()]));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(c.fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0
            && errno != EINPROGRESS) {
            std::perror("natter-bench: connect");
            return false;
        }
        epoll_event event{};
        event.events = EPOLLIN | EPOLLOUT;
        event.data.u32 = uint32_t(index);
        c.wantWrite = true;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &event);
        std::string greeting;
        if (m_kind == Kind::Natter) {
            greeting = "{\"type\":\"hello\",\"name\":\"b" + std::to_string(index) + "\"}\n";
        } else if (subscriber) {
            greeting = "*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nchan\r\n";
        } else {
            c.registered = true; // a publisher needs no handshake
        }
        c.out = greeting;
        return true;
    }

    int countRegistered() const
    {
        return int(std::count_if(
            m_conns.begin(), m_conns.end(), [](const Conn &c) { return c.registered; }));
    }

    void publish(int index, int64_t now)
    {
        char text[TextBytes + 1];
        std::snprintf(text, sizeof text, "t=%019lld s=%06d ", static_cast<long long>(now), m_step);
        std::memset(text + 30, 'x', TextBytes - 30);
        text[TextBytes] = 0;
        Conn &c = m_conns[size_t(index)];
        if (m_kind == Kind::Natter) {
            c.out.append("{\"type\":\"say\",\"text\":\"").append(text, TextBytes).append("\"}\n");
        } else {
            c.out.append("*3\r\n$7\r\nPUBLISH\r\n$4\r\nchan\r\n$64\r\n")
                .append(text, TextBytes)
                .append("\r\n");
        }
        flush(index);
    }

    void flush(int index)
    {
        Conn &c = m_conns[size_t(index)];
        while (!c.out.empty() && c.fd >= 0) {
            const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (n > 0) {
                c.out.erase(0, size_t(n));
            } else {
                break;
            }
        }
        const bool want = !c.out.empty() || !c.connected;
        if (want != c.wantWrite && c.fd >= 0) {
            epoll_event event{};
            event.events = EPOLLIN | (want ? uint32_t(EPOLLOUT) : 0U);
            event.data.u32 = uint32_t(index);
            epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &event);
            c.wantWrite = want;
        }
    }

    // Handles what is ready (waiting up to timeoutMs for something), until nothing is.
    void pump(int timeoutMs)
    {
        while (pumpOnce(timeoutMs) == MaxEvents) {
            timeoutMs = 0;
        }
    }

    // Handles what becomes ready within timeoutNs, as soon as it does.
    void pumpFor(int64_t timeoutNs)
    {
        const int64_t until = nowNs() + timeoutNs;
        do {
            const int64_t left = std::max<int64_t>(0, until - nowNs());
            const timespec timeout{time_t(left / 1'000'000'000), long(left % 1'000'000'000)};
            epoll_event events[MaxEvents];
            handle(events, epoll_pwait2(m_epoll, events, MaxEvents, &timeout, nullptr));
        } while (nowNs() < until);
    }

    static constexpr int MaxEvents = 512;

    int pumpOnce(int timeoutMs)
    {
        epoll_event events[MaxEvents];
        const int n = epoll_wait(m_epoll, events, MaxEvents, timeoutMs);
        handle(events, n);
        return n;
    }

    void handle(const epoll_event *events, int n)
    {
        for (int i = 0; i < n; ++i) {
            const int index = int(events[i].data.u32);
            Conn &c = m_conns[size_t(index)];
            if (events[i].events & (EPOLLERR | EPOLLHUP)) {
                drop(c);
                continue;
            }
            if (events[i].events & EPOLLOUT) {
                c.connected = true;
                flush(index);
            }
            if (events[i].events & EPOLLIN) {
                receive(c);
            }
        }
    }

    void drop(Conn &c)
    {
        if (c.fd >= 0) {
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
            close(c.fd);
            c.fd = -1;
        }
    }

    void receive(Conn &c)
    {
        char buffer[256 * 1024];
        for (;;) {
            const ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                drop(c);
                return;
            }
            if (n < 0) {
                return;
            }
            const int64_t now = nowNs();
            const char *p = buffer;
            const char *end = buffer + n;
            while (p < end) {
                const char *newline
                    = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
                if (!newline) {
                    c.in.append(p, size_t(end - p));
                    break;
                }
                if (c.in.empty()) {
                    line(c, p, size_t(newline - p), now);
                } else {
                    c.in.append(p, size_t(newline - p));
                    line(c, c.in.data(), c.in.size(), now);
                    c.in.clear();
                }
                p = newline + 1;
            }
            if (n < ssize_t(sizeof buffer)) {
                return;
            }
        }
    }

    void line(Conn &c, const char *p, size_t length, int64_t now)
    {
        // A message's text starts "t=<19 digits> s=<6 digits>"; nothing else is parsed.
        const void *mark = memmem(p, length, "t=", 2);
        if (mark && length - size_t(static_cast<const char *>(mark) - p) >= 30) {
            const char *t = static_cast<const char *>(mark) + 2;
            if (std::atoi(t + 22) == m_step) {
                const int64_t sent = std::strtoll(t, nullptr, 10);
                m_histogram.add(now - sent);
                ++m_delivered;
            }
            return;
        }
        if (!c.registered) {
            const std::string_view text(p, length);
            const std::string_view ready
                = m_kind == Kind::Natter ? "\"type\":\"welcome\"" : "subscribe";
            if (text.find(ready) != std::string_view::npos) {
                c.registered = true;
            } else if (text.find("\"type\":\"error\"") != std::string_view::npos) {
                std::fprintf(stderr, "natter-bench: %.*s\n", int(length), p);
            }
        }
    }

    const Kind m_kind;
    const std::vector<int> m_ports;
    const int m_epoll;
    std::vector<Conn> m_conns;
    std::vector<int> m_publishers;
    int m_receivers = 0;
    int m_step = 0;
    uint64_t m_delivered = 0;
    Histogram m_histogram;
};

// The generator's ceiling: a minimal fan-out server on one epoll thread (hello gets a welcome,
// each say line goes to every client), writing each client's output once per loop pass.
class SelfServer
{
public:
    SelfServer()
    {
        m_listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        const int one = 1;
        setsockopt(m_listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(m_listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        listen(m_listener, 4096);
        socklen_t length = sizeof addr;
        getsockname(m_listener, reinterpret_cast<sockaddr *>(&addr), &length);
        m_port = ntohs(addr.sin_port);
        m_thread = std::thread([this] { loop(); });
    }
    ~SelfServer()
    {
        m_stop = true;
        m_thread.join();
        close(m_listener);
    }
    int port() const { return m_port; }

private:
    struct Client
    {
        int fd = -1;
        std::string in;
        std::string out;
    };

    void loop()
    {
        const int epoll = epoll_create1(0);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = -1;
        epoll_ctl(epoll, EPOLL_CTL_ADD, m_listener, &event);
        std::vector<Client> clients;
        std::vector<int> dirty;
        epoll_event events[512];
        while (!m_stop) {
            const int n = epoll_wait(epoll, events, 512, 10);
            for (int i = 0; i < n; ++i) {
                if (events[i].data.fd == -1) {
                    for (int fd;
                         (fd = accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
                        const int one = 1;
                        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                        epoll_event e{};
                        e.events = EPOLLIN;
                        e.data.fd = int(clients.size());
                        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &e);
                        clients.push_back({fd, {}, {}});
                    }
                    continue;
                }
                Client &c = clients[size_t(events[i].data.fd)];
                char buffer[65536];
                const ssize_t got = recv(c.fd, buffer, sizeof buffer, 0);
                if (got <= 0) {
                    continue;
                }
                c.in.append(buffer, size_t(got));
                size_t start = 0;
                for (size_t nl; (nl = c.in.find('\n', start)) != std::string::npos;
                     start = nl + 1) {
                    const std::string_view line(c.in.data() + start, nl - start);
                    if (line.find("\"say\"") != std::string_view::npos) {
                        for (size_t k = 0; k < clients.size(); ++k) {
                            clients[k].out.append(line).push_back('\n');
                            dirty.push_back(int(k));
                        }
                    } else if (line.find("\"hello\"") != std::string_view::npos) {
                        c.out.append("{\"type\":\"welcome\"}\n");
                        dirty.push_back(events[i].data.fd);
                    }
                }
                c.in.erase(0, start);
            }
            for (int k : dirty) {
                Client &c = clients[size_t(k)];
                if (!c.out.empty()) {
                    const ssize_t sent = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
                    if (sent > 0) {
                        c.out.erase(0, size_t(sent));
                    }
                }
            }
            dirty.clear();
            for (size_t k = 0; k < clients.size(); ++k) {
                if (!clients[k].out.empty()) {
                    dirty.push_back(int(k));
                }
            }
        }
        for (Client &c : clients) {
            close(c.fd);
        }
        close(epoll);
    }

    int m_listener = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

struct Process
{
    pid_t pid = -1;
    int port = 0;
};

// Starts natter-server on a free port and waits for its "listening on" line.
Process startNatter(const std::string &binary, const std::vector<std::string> &extra)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        return {};
    }
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        const int devnull = ::open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        // Every client connects from 127.0.0.1, as fast as it can.
        std::vector<std::string> args{binary, "--bind", "127.0.0.1", "--port", "0", "--max-clients",
            "100000", "--max-per-ip", "100000", "--max-per-network", "100000", "--connect-rate",
            "1000000", "--connect-burst", "1000000", "--network-connect-rate", "1000000",
            "--network-connect-burst", "1000000", "--rate", "1000000", "--burst", "1000000",
            "--idle-timeout", "0", "--db", ":memory:"};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char *> argv;
        for (std::string &a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    close(pipefd[1]);
    std::string output;
    char c;
    while (read(pipefd[0], &c, 1) == 1 && c != '\n') {
        output.push_back(c);
    }
    close(pipefd[0]);
    const size_t colon = output.rfind(':');
    if (output.rfind("listening on", 0) != 0 || colon == std::string::npos) {
        std::fprintf(stderr, "natter-bench: natter-server did not start (%s)\n", output.c_str());
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return {};
    }
    return {pid, std::atoi(output.c_str() + colon + 1)};
}

Process startRedis(const std::string &binary)
{
    const int port = freePort();
    const pid_t pid = fork();
    if (pid == 0) {
        const int devnull = ::open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        const std::string portText = std::to_string(port);
        execl(binary.c_str(), binary.c_str(), "--port", portText.c_str(), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--maxclients", "100000", "--daemonize", "no",
            static_cast<char *>(nullptr));
        _exit(127);
    }
    // Ready when it accepts a connection.
    for (int attempt = 0; attempt < 200; ++attempt) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(uint16_t(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool up = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
        close(fd);
        if (up) {
            return {pid, port};
        }
        usleep(25000);
    }
    std::fprintf(stderr, "natter-bench: redis-server did not start\n");
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return {};
}

void stop(const Process &process)
{
    if (process.pid > 0) {
        kill(process.pid, SIGTERM);
        for (int i = 0; i < 100 && waitpid(process.pid, nullptr, WNOHANG) == 0; ++i) {
            usleep(50000);
        }
        kill(process.pid, SIGKILL);
        waitpid(process.pid, nullptr, 0);
    }
}

struct Target
{
    std::string label;
    Kind kind = Kind::Natter;
    std::vector<std::string> serverArgs; // natter-server only
    bool self = false;
    int servers = 1; // natter-server only: more are a cluster, the clients spread over them
};

struct Options
{
    std::vector<int> clients{10, 100, 1000, 10000};
    int publishers = 4;
    double seconds = 3;
    std::string natter = NATTER_SERVER_BINARY;
    std::string redis = "/usr/bin/redis-server";
    std::vector<std::string> targets{"threads", "pool", "redis", "self"};
    int poolThreads = 2;
    std::vector<std::string> serverArgs;
    bool latencyOnly = false; // connect, memory and the latency probe; no capacity sweep
    // The PostgreSQL and Redis of the cluster targets (scripts/cluster.sh --run sets them).
    std::string clusterDb = std::getenv("NATTER_DB") ? std::getenv("NATTER_DB") : "";
    std::string clusterRedis = std::getenv("NATTER_REDIS") ? std::getenv("NATTER_REDIS") : "";
};

std::vector<int> parseList(const char *text)
{
    std::vector<int> values;
    for (const char *p = text; *p;) {
        values.push_back(std::atoi(p));
        const char *comma = std::strchr(p, ',');
        if (!comma) {
            break;
        }
        p = comma + 1;
    }
    return values;
}

std::vector<std::string> parseWords(const char *text)
{
    std::vector<std::string> words;
    std::string word;
    for (const char *p = text;; ++p) {
        if (*p == ',' || *p == 0) {
            if (!word.empty()) {
                words.push_back(word);
            }
            word.clear();
            if (*p == 0) {
                break;
            }
        } else {
            word.push_back(*p);
        }
    }
    return words;
}

void usage()
{
    std::printf("usage: natter-bench [--clients 10,100,1000,10000] [--publishers 4] [--seconds 3]\n"
                "                    [--targets threads,pool,redis,self] [--pool-threads 2]\n"
                "                    [--natter PATH] [--redis PATH] [--server-arg ARG]...\n"
                "                    [--latency-only] [--cluster-db URL] [--cluster-redis URL]\n"
                "Targets: threads, pool, redis, self; and, given a PostgreSQL and a Redis\n"
                "(scripts/cluster.sh --run natter-bench ...), cluster1 and cluster3: one and\n"
                "three servers in cluster mode, the clients spread over them.\n"
                "Sweeps the publish rate upward for each client count and target and prints the\n"
                "capacity: the highest delivery rate with >= 99.9%% delivered and p99 <= 25 ms.\n");
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> const char * {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "natter-bench: %s needs a value\n", arg.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--clients") {
            options.clients = parseList(value());
        } else if (arg == "--publishers") {
            options.publishers = std::max(1, std::atoi(value()));
        } else if (arg == "--seconds") {
            options.seconds = std::max(0.5, std::atof(value()));
        } else if (arg == "--targets") {
            options.targets = parseWords(value());
        } else if (arg == "--pool-threads") {
            options.poolThreads = std::max(1, std::atoi(value()));
        } else if (arg == "--natter") {
            options.natter = value();
        } else if (arg == "--redis") {
            options.redis = value();
        } else if (arg == "--server-arg") {
            options.serverArgs.emplace_back(value());
        } else if (arg == "--cluster-db") {
            options.clusterDb = value();
        } else if (arg == "--cluster-redis") {
            options.clusterRedis = value();
        } else if (arg == "--latency-only") {
            options.latencyOnly = true;
        } else if (arg == "--help" || arg == "-h") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "natter-bench: unknown option %s\n", arg.c_str());
            usage();
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);

    std::vector<Target> targets;
    for (const std::string &name : options.targets) {
        if (name == "threads") {
            targets.push_back({"natter (thread per client)", Kind::Natter, options.serverArgs});
        } else if (name == "pool") {
            std::vector<std::string> args = options.serverArgs;
            args.insert(args.end(), {"--worker-threads", std::to_string(options.poolThreads)});
            targets.push_back(
                {"natter (" + std::to_string(options.poolThreads) + " worker threads)",
                    Kind::Natter, args});
        } else if (name == "redis") {
            if (access(options.redis.c_str(), X_OK) != 0) {
                std::fprintf(
                    stderr, "natter-bench: no %s; skipping Redis\n", options.redis.c_str());
                continue;
            }
            targets.push_back({"redis pub/sub", Kind::Redis, {}});
        } else if (name == "cluster1" || name == "cluster3") {
            if (options.clusterDb.empty() || options.clusterRedis.empty()) {
                std::fprintf(stderr,
                    "natter-bench: %s needs --cluster-db and --cluster-redis (or run it with "
                    "scripts/cluster.sh --run)\n",
                    name.c_str());
                return 2;
            }
            std::vector<std::string> args = options.serverArgs;
            args.insert(args.end(),
                {"--worker-threads", std::to_string(options.poolThreads), "--db", options.clusterDb,
                    "--cluster", options.clusterRedis});
            const int servers = name == "cluster3" ? 3 : 1;
            targets.push_back(
                {"natter cluster (" + std::to_string(servers) + " server" + (servers > 1 ? "s" : "")
                        + ", " + std::to_string(options.poolThreads) + " worker threads each)",
                    Kind::Natter, args, false, servers});
        } else if (name == "self") {
            targets.push_back({"generator ceiling (trivial epoll server)", Kind::Natter, {}, true});
        } else {
            std::fprintf(stderr, "natter-bench: unknown target %s\n", name.c_str());
            return 2;
        }
    }

    // Delivery rates tried in turn; the sweep stops at the first that misses a bound.
    const std::vector<double> ladder{25e3, 50e3, 100e3, 200e3, 300e3, 400e3, 500e3, 600e3, 800e3,
        1e6, 1.2e6, 1.4e6, 1.6e6, 1.8e6, 2e6, 2.2e6, 2.5e6, 2.8e6, 3e6, 3.3e6, 3.6e6, 4e6, 4.5e6,
        5e6};
    std::printf("natter-bench: %d publishers, %d-byte texts, %.1f s a step, %u cores\n",
        options.publishers, TextBytes, options.seconds, std::thread::hardware_concurrency());
    std::vector<std::string> summary;
    for (const Target &target : targets) {
        for (const int n : options.clients) {
            std::printf("\n== %s, N = %d\n", target.label.c_str(), n);
            std::fflush(stdout);
            Process server;
            std::vector<Process> more; // a cluster's other servers
            std::unique_ptr<SelfServer> self;
            if (target.self) {
                // Both ends of every connection live in this process.
                rlimit files{};
                getrlimit(RLIMIT_NOFILE, &files);
                if (rlim_t(2 * n + 100) > files.rlim_cur) {
                    std::printf("skipped: needs %d descriptors in one process, the limit is %lu\n",
                        2 * n + 100, static_cast<unsigned long>(files.rlim_cur));
                    summary.push_back(target.label + " N=" + std::to_string(n) + ": skipped");
                    continue;
                }
                self = std::make_unique<SelfServer>();
                server.port = self->port();
            } else if (target.kind == Kind::Redis) {
                server = startRedis(options.redis);
            } else {
                server = startNatter(options.natter, target.serverArgs);
            }
            if (server.port == 0) {
                return 1;
            }
            std::vector<int> ports{server.port};
            for (int i = 1; i < target.servers; ++i) {
                more.push_back(startNatter(options.natter, target.serverArgs));
                if (more.back().port == 0) {
                    return 1;
                }
                ports.push_back(more.back().port);
            }
            usleep(300000);
            // One process's memory: for a cluster it would be a third of the clients'.
            const long baseline = server.pid > 0 && more.empty() ? rssKiB(server.pid) : -1;
            Load load(target.kind, ports);
            const double connectSeconds = load.connectAll(n, options.publishers);
            if (connectSeconds < 0) {
                stop(server);
                for (const Process &other : more) {
                    stop(other);
                }
                summary.push_back(target.label + " N=" + std::to_string(n) + ": could not connect");
                continue;
            }
            usleep(1000000); // idle: let the server settle before measuring memory
            const long idle = server.pid > 0 ? rssKiB(server.pid) : -1;
            std::printf("connect+register %d clients: %.2f s", n, connectSeconds);
            if (baseline > 0) {
                std::printf("; RSS %ld KiB before, %ld KiB idle with clients: %.1f KiB a client",
                    baseline, idle, double(idle - baseline) / n);
            }
            std::printf("\n");

            // Latency at a modest load: 1,000 msg/s (N <= 1,000), else 5 broadcasts a second.
            const double probeRate = n <= 1000 ? 1000.0 : 5.0;
            RunResult probe = load.run(probeRate, options.seconds, Load::Reading::Eager);
            std::printf("  latency at %.0f msg/s: %.0f deliveries/s, %.3f%% arrived, "
                        "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                probeRate, probe.deliveriesPerSecond(), 100 * probe.fraction(), probe.p50,
                probe.p99, probe.max);
            std::fflush(stdout);

            double capacity = 0;
            RunResult best;
            for (const double deliveries : options.latencyOnly ? std::vector<double>{} : ladder) {
                const double rate = deliveries / n;
                if (rate < options.publishers) {
                    continue;
                }
                RunResult step = load.run(rate, options.seconds);
                std::printf("  %8.0f msg/s -> %9.0f deliveries/s, %7.3f%% arrived, p50 %7.2f ms, "
                            "p99 %7.2f ms, max %7.2f ms %s\n",
                    rate, step.deliveriesPerSecond(), 100 * step.fraction(), step.p50, step.p99,
                    step.max, step.passes() ? "ok" : "MISSED");
                std::fflush(stdout);
                if (!step.passes() || load.alive() < n) {
                    break;
                }
                capacity = step.deliveriesPerSecond();
                best = step;
            }
            char line[256];
            std::snprintf(line, sizeof line,
                "%-42s N=%-6d capacity %9.0f deliveries/s (p99 %.2f ms); connect %.2f s; "
                "%s KiB/client",
                target.label.c_str(), n, capacity, best.p99, connectSeconds,
                baseline > 0 ? std::to_string(int(std::lround(double(idle - baseline) / n))).c_str()
                             : "-");
            summary.emplace_back(line);
            std::printf("%s\n", line);
            stop(server);
            for (const Process &other : more) {
                stop(other);
            }
        }
    }
    std::printf("\n== capacity (>= 99.9%% delivered, p99 <= 25 ms)\n");
    for (const std::string &line : summary) {
        std::printf("%s\n", line.c_str());
    }
    return 0;
}
