// SPDX-License-Identifier: GPL-2.0
// vpin-setuid-waiter SECONDS: installed set-user-ID root by a test, run by
// an ordinary user. Becomes root in every uid and gid, then waits SECONDS
// for SIGBUS. Exit status: 0 if none came, 1 if one did, 2 on an error.
#include <csignal>
#include <cstdlib>
#include <unistd.h>

namespace {

volatile sig_atomic_t got_sigbus;

void on_sigbus(int)
{
	got_sigbus = 1;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)
		return 2;
	struct sigaction sa = {};
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, nullptr) != 0)
		return 2;
	for (int left = std::atoi(argv[1]) * 10; left > 0 && !got_sigbus; left--)
		usleep(100000);
	return got_sigbus ? 1 : 0;
}
