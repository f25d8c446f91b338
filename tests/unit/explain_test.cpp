// SPDX-License-Identifier: GPL-2.0
#include <vpin/explain.hpp>

#include <linux/vpin.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

vpin::Error lease_error(int error, std::uint32_t type, const std::string &file = "/mnt/x/f")
{
    return vpin::Error{error, {vpin::Request::lease, file, type}};
}

vpin::Error pin_error(int error, const std::string &file = "/mnt/x/f")
{
    return vpin::Error{error, {vpin::Request::pin, file}};
}

vpin::Holder holder(std::uint64_t session, std::uint32_t type, std::uint32_t state,
                    std::optional<vpin::Session> owner)
{
    vpin::Lease lease;
    lease.session = session;
    lease.id = 1;
    lease.type = type;
    lease.state = state;
    lease.file = vpin::FileRef{259u << 20, 12, "/mnt/x/f"};
    return {lease, std::move(owner)};
}

vpin::Session session(std::uint64_t id, std::uint32_t pid, std::string comm)
{
    vpin::Session s;
    s.id = id;
    s.pid = pid;
    s.comm = std::move(comm);
    return s;
}

} // namespace

TEST_CASE("explain: the module is not loaded, by its device node or its netlink family")
{
    const vpin::ModuleNotLoaded device{ENOENT, {vpin::Request::open, VPIN_DEVICE_PATH}};
    CHECK(vpin::explain(device, {}) == "the vpin module is not loaded; load it with 'modprobe vpin' (as root)");
    const vpin::ModuleNotLoaded family{ENOENT, {vpin::Request::family}};
    CHECK(vpin::explain(family, {}) == "the vpin module is not loaded; load it with 'modprobe vpin' (as root)");
    const vpin::ModuleNotLoaded events{ENOENT, {vpin::Request::events}};
    CHECK(vpin::explain(events, {}) == vpin::explain(family, {}));
    // Another node than the usual one is named.
    const vpin::ModuleNotLoaded other{ENOENT, {vpin::Request::open, "/dev/vpin0"}};
    CHECK(vpin::explain(other, {}) == "cannot open /dev/vpin0: No such file or directory, and the vpin "
                                      "module is not loaded; load it with 'modprobe vpin' (as root)");
    // A tool can tell it apart.
    try {
        throw vpin::ModuleNotLoaded{ENOENT, {vpin::Request::status}};
    } catch (const vpin::Error &e) {
        CHECK(dynamic_cast<const vpin::ModuleNotLoaded *>(&e) != nullptr);
        CHECK(e.code() == std::errc::no_such_file_or_directory);
    }
}

TEST_CASE("explain: an exclusive lease of a file that is not fully allocated")
{
    const auto error = lease_error(ENODATA, VPIN_LEASE_EXCLUSIVE, "/mnt/x/sparse");
    CHECK(std::string{error.what()} == "VPIN_IOC_LEASE: /mnt/x/sparse: No data available");

    vpin::Findings found;
    found.unallocated = {"1 MiB in 1 hole, the first at offset 0",
                         "1 MiB in 1 unwritten extent, the first at offset 0"};
    found.size = 1 << 20;
    CHECK(vpin::explain(error, found) ==
          "cannot take an exclusive lease of /mnt/x/sparse: it is not fully allocated (1 MiB in 1 "
          "hole, the first at offset 0; 1 MiB in 1 unwritten extent, the first at offset 0); run "
          "'pinctl prepare /mnt/x/sparse 1M' to write every block");

    // Every block allocated and written: then it shares blocks.
    vpin::Findings shared;
    shared.unallocated = std::vector<std::string>{};
    CHECK(vpin::explain(error, shared) ==
          "cannot take an exclusive lease of /mnt/x/sparse: it shares blocks with another file (a "
          "reflink copy, or deduplicated); vpin needs blocks of the file's own: lease a full copy "
          "('cp --reflink=never')");

    // The file could not be examined.
    CHECK(vpin::explain(error, {}) ==
          "cannot take an exclusive lease of /mnt/x/sparse: it is not fully allocated (holes or "
          "unwritten extents) or shares blocks with another file; 'pinctl check /mnt/x/sparse' "
          "tells which, and 'pinctl prepare /mnt/x/sparse SIZE' writes every block");

    // A breakable lease only minds shared blocks.
    CHECK(vpin::explain(lease_error(ENODATA, VPIN_LEASE_BREAKABLE), {}) ==
          "cannot take a breakable lease of /mnt/x/f: it shares blocks with another file (a reflink "
          "copy, or deduplicated); vpin needs blocks of the file's own: lease a full copy "
          "('cp --reflink=never')");
}

TEST_CASE("explain: look_into examines the file of an ENODATA lease")
{
    std::string dir = (fs::temp_directory_path() / "vpin-explain-XXXXXX").string();
    REQUIRE(::mkdtemp(dir.data()));
    const fs::path sparse = fs::path{dir} / "sparse";
    {
        const int fd = ::open(sparse.c_str(), O_WRONLY | O_CREAT, 0644);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, 2 << 20) == 0);
        ::close(fd);
    }
    const auto error = lease_error(ENODATA, VPIN_LEASE_EXCLUSIVE, sparse.string());
    const auto found = vpin::look_into(error);
    CHECK(found.size == 2u << 20);
    REQUIRE(found.unallocated);
    CHECK(vpin::explain(error) ==
          "cannot take an exclusive lease of " + sparse.string() +
              ": it is not fully allocated (2 MiB in 1 hole, the first at offset 0); run 'pinctl "
              "prepare " + sparse.string() + " 2M' to write every block");
    fs::remove_all(dir);
}

TEST_CASE("explain: a conflicting lease names its holder")
{
    const auto error = lease_error(EBUSY, VPIN_LEASE_EXCLUSIVE);
    vpin::Findings found;
    found.holders = {holder(12, VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_STATE_GRANTED, session(12, 345, "ib_write_bw"))};
    CHECK(vpin::explain(error, found) ==
          "cannot take an exclusive lease of /mnt/x/f: it is held by session 12 (pid 345, "
          "ib_write_bw), exclusive");

    found.holders = {
        holder(3, VPIN_LEASE_BREAKABLE, VPIN_LEASE_STATE_BREAKING, session(3, 10, "fio")),
        holder(4, VPIN_LEASE_BREAKABLE, VPIN_LEASE_STATE_GRANTED, std::nullopt),
        holder(5, VPIN_LEASE_EXCLUSIVE, VPIN_LEASE_STATE_ORPHANED, std::nullopt),
    };
    CHECK(vpin::explain(error, found) ==
          "cannot take an exclusive lease of /mnt/x/f: it is held by session 3 (pid 10, fio), "
          "breakable, being broken; session 4, breakable; session 5, exclusive, orphaned: a device "
          "still holds its pages");

    // Nobody the caller may see: the plain sentence.
    CHECK(vpin::explain(error, {}) ==
          "cannot take an exclusive lease of /mnt/x/f: another session holds a lease of it; "
          "'pinctl list leases' shows the leases the caller may see");
    CHECK(vpin::explain(lease_error(EBUSY, VPIN_LEASE_BREAKABLE), {}) ==
          "cannot take a breakable lease of /mnt/x/f: it is leased exclusively, or this session "
          "holds a lease of it already; 'pinctl list leases' shows the leases the caller may see");
}

TEST_CASE("explain: refusals of a policy point to pinctl policy")
{
    vpin::Findings policy;
    policy.policy_loaded = true;
    CHECK(vpin::explain(lease_error(EPERM, VPIN_LEASE_BREAKABLE), policy) ==
          "cannot take a breakable lease of /mnt/x/f: a vpin policy refused it (the rule that "
          "applies does not allow this lease type); 'pinctl policy show' lists the rules");
    CHECK(vpin::explain(lease_error(EDQUOT, VPIN_LEASE_EXCLUSIVE), {}) ==
          "cannot take an exclusive lease of /mnt/x/f: a vpin policy refused it (the uid is at its "
          "quota of leases: max_leases or max_exclusive); 'pinctl policy usage' shows the usage "
          "against the quotas, 'pinctl policy show' the rules");
    CHECK(vpin::explain(lease_error(EDQUOT, VPIN_LEASE_BREAKABLE), {}) ==
          "cannot take a breakable lease of /mnt/x/f: a vpin policy refused it (the uid is at its "
          "quota of leases: max_leases); 'pinctl policy usage' shows the usage against the quotas, "
          "'pinctl policy show' the rules");
    CHECK(vpin::explain(pin_error(EPERM), policy) ==
          "cannot pin /mnt/x/f: a vpin policy refused it (the rule that applies does not allow "
          "pinning this memory); 'pinctl policy show' lists the rules");
    CHECK(vpin::explain(pin_error(EDQUOT), {}) ==
          "cannot pin /mnt/x/f: a vpin policy refused it (the uid is at its quota of pinned bytes: "
          "max_pinned); 'pinctl policy usage' shows the usage against the quotas, 'pinctl policy "
          "show' the rules");
    const vpin::Error session{EDQUOT, {vpin::Request::open, VPIN_DEVICE_PATH}};
    CHECK(vpin::explain(session, {}) ==
          "cannot open a vpin session: a vpin policy refused it (the uid has as many sessions as "
          "its quota allows: max_sessions); 'pinctl policy usage' shows the usage against the "
          "quotas, 'pinctl policy show' the rules");
}

TEST_CASE("explain: EPERM without a policy says what else refused it")
{
    vpin::Findings not_owner;
    not_owner.owner = vpin::Check{"owner", false,
                                  "owned by uid 1000, not the caller's uid 65534, and no CAP_LINUX_IMMUTABLE"};
    not_owner.policy_loaded = true;
    CHECK(vpin::explain(lease_error(EPERM, VPIN_LEASE_EXCLUSIVE), not_owner) ==
          "cannot take an exclusive lease of /mnt/x/f: it is owned by uid 1000, not the caller's uid "
          "65534, and no CAP_LINUX_IMMUTABLE");

    vpin::Findings no_policy;
    no_policy.policy_loaded = false;
    CHECK(vpin::explain(pin_error(EPERM), no_policy) ==
          "cannot pin /mnt/x/f: FS-DAX memory can be pinned only under a lease of the same session");
    // Nothing known: the errno.
    CHECK(vpin::explain(lease_error(EPERM, VPIN_LEASE_EXCLUSIVE), {}) ==
          "cannot take an exclusive lease of /mnt/x/f: Operation not permitted");
    CHECK(vpin::explain(pin_error(EPERM), {}) == "cannot pin /mnt/x/f: Operation not permitted");
}

TEST_CASE("explain: other lease and pin errors")
{
    CHECK(vpin::explain(lease_error(EAGAIN, VPIN_LEASE_EXCLUSIVE), {}) ==
          "cannot take an exclusive lease of /mnt/x/f: a break of its leases is in progress, or a "
          "change that broke them is still running; try again");
    CHECK(vpin::explain(lease_error(ETXTBSY, VPIN_LEASE_EXCLUSIVE), {}) ==
          "cannot take an exclusive lease of /mnt/x/f: it is an active swap file");
    CHECK(vpin::explain(lease_error(ENOTTY, VPIN_LEASE_EXCLUSIVE), {}) ==
          "cannot take an exclusive lease of /mnt/x/f: Inappropriate ioctl for device");
    CHECK(vpin::explain(pin_error(ENOMEM), {}) ==
          "cannot pin /mnt/x/f: it would exceed the locked-memory limit of the caller (ulimit -l, "
          "RLIMIT_MEMLOCK), or memory is short");
    CHECK(vpin::explain(pin_error(EFAULT), {}) ==
          "cannot pin /mnt/x/f: the range is not completely mapped (does it reach past the end of "
          "the file?)");
    CHECK(vpin::explain(pin_error(EOPNOTSUPP), {}) ==
          "cannot pin /mnt/x/f: a file in the page cache cannot be pinned writable through a shared "
          "mapping (only FS-DAX files can: mount with -o dax), nor can some copy-on-write pages; pin "
          "it read-only");
    const vpin::Error denied{EACCES, {vpin::Request::open, VPIN_DEVICE_PATH}};
    CHECK(vpin::explain(denied, {}) ==
          "cannot open /dev/vpin: Permission denied; a vpin session needs read and write access to it");
}

TEST_CASE("explain: netlink requests")
{
    const vpin::Error set{EPERM, {vpin::Request::set_policy}};
    CHECK(vpin::explain(set, {}) ==
          "changing the rules of the vpin module needs CAP_SYS_ADMIN (run it as root)");
    const vpin::Error refused{EINVAL, {vpin::Request::set_policy, {}, 0, "rule 2: duplicate name"}};
    CHECK(vpin::explain(refused, {}) == "the vpin module refused the rules: rule 2: duplicate name");
    const vpin::Error events{EPERM, {vpin::Request::events}};
    CHECK(vpin::explain(events, {}) ==
          "listening to vpin events needs CAP_SYS_ADMIN on this kernel (before Linux 6.9 it cannot "
          "pass a listener only the events of its own uid)");
    // Nothing better to say: what() as it always read.
    const vpin::Error other{EINVAL, {vpin::Request::pins, {}, 0, "bad attribute"}};
    CHECK(vpin::explain(other, {}) == "VPIN_CMD_GET_PINS: bad attribute: Invalid argument");
}

TEST_CASE("explain: any exception; look_into never throws")
{
    CHECK(vpin::explain(std::runtime_error{"plain words"}) == "plain words");
    const std::system_error system{ENOENT, std::generic_category(), "open: /x"};
    CHECK(vpin::explain(system) == "open: /x: No such file or directory");
    // A conflict whose holders cannot be looked up (no module here, or a
    // missing file) keeps the plain sentence.
    const auto busy = lease_error(EBUSY, VPIN_LEASE_EXCLUSIVE, "/nonexistent/vpin-explain");
    CHECK_NOTHROW(vpin::look_into(busy));
    CHECK(vpin::explain(static_cast<const std::exception &>(busy)) ==
          "cannot take an exclusive lease of /nonexistent/vpin-explain: another session holds a "
          "lease of it; 'pinctl list leases' shows the leases the caller may see");
}

TEST_CASE("explain_usage: CLI11's complaints in plain words")
{
    using vpin::explain_usage;
    CHECK(explain_usage("The following argument was not expected: -j") == "unknown option '-j'");
    CHECK(explain_usage("The following argument was not expected: pins") == "unexpected argument 'pins'");
    CHECK(explain_usage("The following arguments were not expected: a -b") ==
          "unexpected arguments 'a' '-b'");
    CHECK(explain_usage("file is required") == "missing FILE");
    CHECK(explain_usage("--size is required") == "missing --size");
    CHECK(explain_usage("A subcommand is required", {"show", "usage", "load", "clear"}) ==
          "a command is missing: show, usage, load or clear");
    CHECK(explain_usage("A subcommand is required") == "a command is missing");
    CHECK(explain_usage("what: bogus not in {pins,leases,sessions}") ==
          "expected pins, leases or sessions, not 'bogus'");
    CHECK(explain_usage("Could not convert: --session = x") == "--session: 'x' is not a valid value");
    CHECK(explain_usage("--session: 1 required UINT missing") == "--session needs a value");
    CHECK(explain_usage("--offset: 100 is not a multiple of the page size (4096)") ==
          "--offset: 100 is not a multiple of the page size (4096)");
    CHECK(explain_usage("Something else") == "something else");
    CHECK(explain_usage("ABI mismatch") == "ABI mismatch");
}
