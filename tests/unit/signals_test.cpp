// SPDX-License-Identifier: GPL-2.0
#include <vpin/signals.hpp>

#include <catch2/catch.hpp>

#include <cstdint>

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

namespace {

// Puts the signal mask of the test's thread back.
struct Restore {
    sigset_t mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
};

} // namespace

TEST_CASE("signal_fd: blocks the signals and reads them from the descriptor")
{
    Restore restore{};
    const vpin::Fd fd = vpin::signal_fd({SIGUSR1, SIGUSR2}, SFD_NONBLOCK, &restore.mask);
    REQUIRE(fd);

    sigset_t now;
    REQUIRE(pthread_sigmask(SIG_BLOCK, nullptr, &now) == 0);
    CHECK(sigismember(&now, SIGUSR1) == 1);
    CHECK(sigismember(&now, SIGUSR2) == 1);

    CHECK_FALSE(vpin::read_signal(fd.get()));
    REQUIRE(pthread_kill(pthread_self(), SIGUSR2) == 0);
    const auto signal = vpin::read_signal(fd.get());
    REQUIRE(signal);
    CHECK(*signal == std::uint32_t{SIGUSR2});
    CHECK_FALSE(vpin::read_signal(fd.get()));
}
