// SPDX-License-Identifier: GPL-2.0
#include <vpin/explain.hpp>
#include <vpin/filter.hpp>
#include <vpin/netlink.hpp>

#include <linux/capability.h>
#include <linux/vpin.h>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <filesystem>
#include <map>
#include <utility>

namespace vpin {

namespace {

constexpr const char *load_hint = "load it with 'modprobe vpin' (as root)";
constexpr const char *rules_hint = "'pinctl policy show' lists the rules";
constexpr const char *quota_hint =
    "'pinctl policy usage' shows the usage against the quotas, 'pinctl policy show' the rules";
constexpr const char *full_copy_hint =
    "vpin needs blocks of the file's own: lease a full copy ('cp --reflink=never')";

std::string message(int error)
{
    return std::generic_category().message(error);
}

std::string join(const std::vector<std::string> &items, std::string_view separator,
                 std::string_view last_separator)
{
    std::string text;
    for (std::size_t i = 0; i < items.size(); i++) {
        if (i > 0)
            text += i + 1 == items.size() ? last_separator : separator;
        text += items[i];
    }
    return text;
}

std::string file_of(const Error &error)
{
    return error.subject().empty() ? std::string{"the file"} : error.subject();
}

// "cannot take an exclusive lease of FILE".
std::string cannot_lease(const Error &error)
{
    switch (error.context().lease_type) {
    case VPIN_LEASE_EXCLUSIVE: return "cannot take an exclusive lease of " + file_of(error);
    case VPIN_LEASE_BREAKABLE: return "cannot take a breakable lease of " + file_of(error);
    default: return "cannot lease " + file_of(error);
    }
}

std::string cannot_pin(const Error &error)
{
    return error.subject().empty() ? std::string{"cannot pin the range"} : "cannot pin " + error.subject();
}

std::string lease_type_name(std::uint32_t type)
{
    switch (type) {
    case VPIN_LEASE_EXCLUSIVE: return "exclusive";
    case VPIN_LEASE_BREAKABLE: return "breakable";
    default: return fmt::format("type {}", type);
    }
}

// "session 12 (pid 345, ib_write_bw), exclusive".
std::string holder_text(const Holder &holder)
{
    std::string text = fmt::format("session {}", holder.lease.session);
    if (holder.session) {
        text += holder.session->comm.empty()
                    ? fmt::format(" (pid {})", holder.session->pid)
                    : fmt::format(" (pid {}, {})", holder.session->pid, holder.session->comm);
    }
    text += ", " + lease_type_name(holder.lease.type);
    if (holder.lease.state == VPIN_LEASE_STATE_BREAKING)
        text += ", being broken";
    else if (holder.lease.state == VPIN_LEASE_STATE_ORPHANED)
        text += ", orphaned: a device still holds its pages";
    return text;
}

std::string conflict(const Error &error, const Findings &findings)
{
    if (!findings.holders.empty()) {
        std::vector<std::string> holders;
        for (const auto &holder : findings.holders)
            holders.push_back(holder_text(holder));
        return fmt::format("{}: it is held by {}", cannot_lease(error), join(holders, "; ", "; "));
    }
    const std::string where = "'pinctl list leases' shows the leases the caller may see";
    if (error.context().lease_type == VPIN_LEASE_BREAKABLE)
        return fmt::format("{}: it is leased exclusively, or this session holds a lease of it already; {}",
                           cannot_lease(error), where);
    return fmt::format("{}: another session holds a lease of it; {}", cannot_lease(error), where);
}

std::string unallocated_file(const Error &error, const Findings &findings)
{
    const std::string what = cannot_lease(error);
    if (error.context().lease_type == VPIN_LEASE_BREAKABLE)
        return fmt::format("{}: it shares blocks with another file (a reflink copy, or deduplicated); {}",
                           what, full_copy_hint);
    const std::string prepare = prepare_command(file_of(error), findings.size);
    if (!findings.unallocated) {
        return fmt::format("{}: it is not fully allocated (holes or unwritten extents) or shares blocks "
                           "with another file; 'pinctl check {}' tells which, and '{}' writes every block",
                           what, shell_quote(file_of(error)), prepare);
    }
    if (findings.unallocated->empty())
        return fmt::format("{}: it shares blocks with another file (a reflink copy, or deduplicated); {}",
                           what, full_copy_hint);
    return fmt::format("{}: it is not fully allocated ({}); run '{}' to write every block", what,
                       join(*findings.unallocated, "; ", "; "), prepare);
}

std::string lease_error(const Error &error, const Findings &findings)
{
    const std::string what = cannot_lease(error);
    switch (error.code().value()) {
    case ENODATA:
        return unallocated_file(error, findings);
    case EBUSY:
        return conflict(error, findings);
    case EAGAIN:
        return what + ": a break of its leases is in progress, or a change that broke them is still "
                      "running; try again";
    case EPERM:
        if (findings.owner && !findings.owner->ok)
            return fmt::format("{}: it is {}", what, findings.owner->detail);
        if (findings.policy_loaded.value_or(false))
            return fmt::format("{}: a vpin policy refused it (the rule that applies does not allow "
                               "this lease type); {}",
                               what, rules_hint);
        break;
    case EDQUOT:
        return fmt::format("{}: a vpin policy refused it (the uid is at its quota of leases: {}); {}",
                           what,
                           error.context().lease_type == VPIN_LEASE_BREAKABLE
                               ? "max_leases"
                               : "max_leases or max_exclusive",
                           quota_hint);
    case EOPNOTSUPP:
        return what + ": vpin cannot lease files there (its file system, an overlay, a file that "
                      "cannot be mapped, or extents that cannot be read)";
    case ETXTBSY:
        return what + ": it is an active swap file";
    case EBADF:
        return what + ": it is not open for writing, as an exclusive lease needs";
    case EINVAL:
        return what + ": it is not a regular file";
    default:
        break;
    }
    return fmt::format("{}: {}", what, message(error.code().value()));
}

std::string pin_error(const Error &error, const Findings &findings)
{
    const std::string what = cannot_pin(error);
    switch (error.code().value()) {
    case EPERM:
        if (findings.policy_loaded == true)
            return fmt::format("{}: a vpin policy refused it (the rule that applies does not allow "
                               "pinning this memory); {}",
                               what, rules_hint);
        if (findings.policy_loaded == false)
            return what + ": FS-DAX memory can be pinned only under a lease of the same session";
        break;
    case EDQUOT:
        return fmt::format("{}: a vpin policy refused it (the uid is at its quota of pinned bytes: "
                           "max_pinned); {}",
                           what, quota_hint);
    case ENOMEM:
        return what + ": it would exceed the locked-memory limit of the caller (ulimit -l, "
                      "RLIMIT_MEMLOCK), or memory is short";
    case EFAULT:
        return what + ": the range is not completely mapped (does it reach past the end of the file?)";
    case EAGAIN:
        return what + ": its lease is being broken, or its pages moved while they were pinned; try again";
    case EOPNOTSUPP:
        return what + ": a file in the page cache cannot be pinned writable through a shared mapping "
                      "(only FS-DAX files can: mount with -o dax), nor can some copy-on-write pages; "
                      "pin it read-only";
    case EXDEV:
        return what + ": the range maps more than one file, or a file and anonymous memory";
    default:
        break;
    }
    return fmt::format("{}: {}", what, message(error.code().value()));
}

std::string not_loaded(const Error &error)
{
    if (error.request() == Request::open && error.subject() != VPIN_DEVICE_PATH)
        return fmt::format("cannot open {}: {}, and the vpin module is not loaded; {}", error.subject(),
                           message(error.code().value()), load_hint);
    return fmt::format("the vpin module is not loaded; {}", load_hint);
}

std::string open_error(const Error &error)
{
    const int code = error.code().value();
    if (code == EDQUOT)
        return fmt::format("cannot open a vpin session: a vpin policy refused it (the uid has as many "
                           "sessions as its quota allows: max_sessions); {}",
                           quota_hint);
    if (code == EACCES || code == EPERM)
        return fmt::format("cannot open {}: {}; a vpin session needs read and write access to it",
                           error.subject(), message(code));
    return fmt::format("cannot open {}: {}", error.subject(), message(code));
}

bool same_file(const Lease &lease, const FileRef &file)
{
    return lease.file && lease.file->dev == file.dev && lease.file->ino == file.ino;
}

std::vector<Holder> holders_of(const std::string &path)
{
    const FileRef file = file_ref(path);
    if (file.dev == 0 && file.ino == 0)
        return {};
    Netlink netlink;
    std::vector<Holder> holders;
    for (auto &lease : netlink.leases()) {
        if (same_file(lease, file))
            holders.push_back({std::move(lease), std::nullopt});
    }
    if (holders.empty())
        return holders;
    std::map<std::uint64_t, Session> sessions;
    for (auto &session : netlink.sessions())
        sessions.emplace(session.id, std::move(session));
    for (auto &holder : holders) {
        if (const auto it = sessions.find(holder.lease.session); it != sessions.end())
            holder.session = it->second;
    }
    return holders;
}

// Runs `find` and keeps what it found; what it cannot find out stays unknown.
template <typename T, typename Find>
void find_out(T &into, Find &&find) noexcept
{
    try {
        into = find();
    } catch (...) {
    }
}

std::string lowercase_first(std::string_view text)
{
    std::string lower{text};
    if (!lower.empty() && std::isupper(static_cast<unsigned char>(lower[0])) &&
        (lower.size() < 2 || !std::isupper(static_cast<unsigned char>(lower[1]))))
        lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
    return lower;
}

std::vector<std::string> split(std::string_view text, char separator)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end - start));
        if (end == std::string_view::npos)
            return parts;
        start = end + 1;
    }
}

// A name as usage shows it: options as they are, positionals in capitals.
std::string argument_name(std::string_view name)
{
    std::string shown{name};
    if (name.starts_with("-"))
        return shown;
    for (char &c : shown)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return shown;
}

std::string quoted(const std::vector<std::string> &words)
{
    std::vector<std::string> each;
    for (const auto &word : words)
        each.push_back("'" + word + "'");
    return join(each, " ", " ");
}

} // namespace

Findings look_into(const Error &error)
{
    Findings findings;
    const int code = error.code().value();
    const bool has_file = !error.subject().empty();
    if (error.request() == Request::lease && has_file) {
        const std::uint32_t type = error.context().lease_type;
        if (code == EBUSY)
            find_out(findings.holders, [&] { return holders_of(error.subject()); });
        if (code == ENODATA && type == VPIN_LEASE_EXCLUSIVE) {
            find_out(findings.unallocated, [&] { return unallocated(error.subject()); });
            find_out(findings.size, [&] { return std::filesystem::file_size(error.subject()); });
        }
        if (code == EPERM) {
            const int capability = type == VPIN_LEASE_BREAKABLE ? CAP_LEASE : CAP_LINUX_IMMUTABLE;
            find_out(findings.owner, [&] { return owner_check(error.subject(), capability); });
        }
    }
    if (code == EPERM && (error.request() == Request::lease || error.request() == Request::pin))
        find_out(findings.policy_loaded, [] { return Netlink{}.policy().loaded; });
    return findings;
}

std::string explain(const Error &error, const Findings &findings)
{
    if (dynamic_cast<const ModuleNotLoaded *>(&error))
        return not_loaded(error);
    const int code = error.code().value();
    switch (error.request()) {
    case Request::open:
        return open_error(error);
    case Request::lease:
        return lease_error(error, findings);
    case Request::pin:
        return pin_error(error, findings);
    case Request::set_policy:
        if (code == EPERM)
            return "changing the rules of the vpin module needs CAP_SYS_ADMIN (run it as root)";
        if (code == EINVAL && !error.context().detail.empty())
            return "the vpin module refused the rules: " + error.context().detail;
        break;
    case Request::revoke:
        if (code == EPERM)
            return "revoking a lease needs CAP_SYS_ADMIN (run it as root)";
        if (code == ENOENT)
            return "no such lease: see 'pinctl list leases'";
        break;
    case Request::events:
        if (code == EPERM)
            return "listening to vpin events needs CAP_SYS_ADMIN on this kernel (before Linux 6.9 "
                   "it cannot pass a listener only the events of its own uid)";
        break;
    default:
        break;
    }
    return error.what();
}

std::string explain(const std::exception &error)
{
    if (const auto *vpin_error = dynamic_cast<const Error *>(&error))
        return explain(*vpin_error, look_into(*vpin_error));
    return error.what();
}

std::string explain_usage(std::string_view text, const std::vector<std::string> &commands)
{
    // CLI::ExtrasError: "The following argument(s) was/were not expected: A B".
    if (text.starts_with("The following argument")) {
        const auto colon = text.find(": ");
        if (colon != std::string_view::npos) {
            const auto args = split(text.substr(colon + 2), ' ');
            if (args.size() == 1 && args[0].starts_with("-"))
                return fmt::format("unknown option '{}'", args[0]);
            if (args.size() == 1)
                return fmt::format("unexpected argument '{}'", args[0]);
            return "unexpected arguments " + quoted(args);
        }
    }
    // CLI::RequiredError: "A subcommand is required", "NAME is required".
    if (text.starts_with("A subcommand"))
        return commands.empty() ? std::string{"a command is missing"}
                                : "a command is missing: " + join(commands, ", ", " or ");
    if (text.ends_with(" is required") && text.find(' ') == text.size() - 12)
        return "missing " + argument_name(text.substr(0, text.size() - 12));
    // CLI::IsMember: "NAME: VALUE not in {A,B,C}".
    const auto colon = text.find(": ");
    const auto not_in = text.rfind(" not in {");
    if (colon != std::string_view::npos && not_in != std::string_view::npos && not_in > colon &&
        text.ends_with("}")) {
        const auto value = text.substr(colon + 2, not_in - colon - 2);
        const auto set = text.substr(not_in + 9, text.size() - not_in - 10);
        return fmt::format("expected {}, not '{}'", join(split(set, ','), ", ", " or "), value);
    }
    // CLI::ConversionError: "Could not convert: NAME = VALUE".
    constexpr std::string_view cannot_convert = "Could not convert: ";
    if (const auto equals = text.find(" = ");
        text.starts_with(cannot_convert) && equals != std::string_view::npos) {
        const auto name = text.substr(cannot_convert.size(), equals - cannot_convert.size());
        return fmt::format("{}: '{}' is not a valid value", argument_name(name), text.substr(equals + 3));
    }
    // CLI::ArgumentMismatch: "NAME: 1 required TYPE missing".
    if (colon != std::string_view::npos && text.find(" required ", colon) != std::string_view::npos &&
        text.ends_with(" missing"))
        return argument_name(text.substr(0, colon)) + " needs a value";
    return lowercase_first(text);
}

} // namespace vpin
