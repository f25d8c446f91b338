// SPDX-License-Identifier: GPL-2.0
#include "host.hpp"

#include <vpin/netlink.hpp>

#include <linux/capability.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace pintop {

bool pind_running(const std::filesystem::path &proc)
{
    std::error_code error;
    for (std::filesystem::directory_iterator it{proc, error}, end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::ifstream comm{it->path() / "comm"};
        std::string line;
        if (std::getline(comm, line) && line == "pind")
            return true;
    }
    return false;
}

bool cap_sys_admin(std::string_view status)
{
    constexpr std::string_view field = "CapEff:";
    const auto at = status.find(field);
    if (at == std::string_view::npos)
        return false;
    auto rest = status.substr(at + field.size());
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    std::uint64_t caps = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), caps, 16);
    return ec == std::errc{} && ((caps >> CAP_SYS_ADMIN) & 1u) != 0;
}

bool privileged()
{
    std::ifstream in{"/proc/self/status"};
    std::ostringstream text;
    text << in.rdbuf();
    return cap_sys_admin(text.str());
}

namespace {

class PollingSource final : public vpin::StateSource {
public:
    [[nodiscard]] int fd() const override { return -1; }
    bool receive(const std::function<void(const vpin::Event &)> &) override { return true; }
    vpin::Status status() override { return netlink_.status(); }
    std::vector<vpin::Session> sessions() override { return netlink_.sessions(); }
    std::vector<vpin::Pin> pins(std::optional<std::uint64_t> session) override
    {
        return netlink_.pins(session);
    }
    std::vector<vpin::Lease> leases(std::optional<std::uint64_t> session) override
    {
        return netlink_.leases(session);
    }
    vpin::PolicyState policy() override { return netlink_.policy(); }
    std::vector<vpin::Usage> usage() override { return netlink_.usage(); }

private:
    vpin::Netlink netlink_;
};

} // namespace

std::unique_ptr<vpin::StateSource> polling_source()
{
    return std::make_unique<PollingSource>();
}

} // namespace pintop
