// SPDX-License-Identifier: GPL-2.0
#include <vpin/check.hpp>
#include <vpin/fd.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <linux/capability.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// A directory under the host's temporary directory, removed with its contents.
class TempDir {
public:
    TempDir()
    {
        std::string tmpl = (fs::temp_directory_path() / "vpin-check-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()));
        path_ = tmpl;
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    ~TempDir() { fs::remove_all(path_); }

    [[nodiscard]] fs::path operator/(const char *name) const { return path_ / name; }

private:
    fs::path path_;
};

vpin::Check find(const std::vector<vpin::Check> &checks, const std::string &name)
{
    const auto it = std::find_if(checks.begin(), checks.end(),
                                 [&](const vpin::Check &c) { return c.name == name; });
    REQUIRE(it != checks.end());
    return *it;
}

void write_at(const fs::path &path, off_t offset, const std::string &data)
{
    const vpin::Fd fd = vpin::open_file(path, O_WRONLY | O_CREAT, 0644);
    REQUIRE(::pwrite(fd.get(), data.data(), data.size(), offset) == static_cast<ssize_t>(data.size()));
}

void make_sparse(const fs::path &path, off_t size)
{
    const vpin::Fd fd = vpin::open_file(path, O_WRONLY | O_CREAT, 0644);
    REQUIRE(::ftruncate(fd.get(), size) == 0);
}

std::string read_at(const fs::path &path, off_t offset, std::size_t length)
{
    const vpin::Fd fd = vpin::open_file(path, O_RDONLY);
    std::string data(length, '\0');
    REQUIRE(::pread(fd.get(), data.data(), length, offset) == static_cast<ssize_t>(length));
    return data;
}

} // namespace

TEST_CASE("check_file: a sparse file fails the hole check")
{
    const TempDir dir;
    make_sparse(dir / "sparse", 1 << 20);
    const auto checks = vpin::check_file(dir / "sparse");
    const auto holes = find(checks, "holes");
    CHECK_FALSE(holes.ok);
    CHECK(holes.detail == "1 MiB in 1 hole, the first at offset 0; run 'pinctl prepare " +
                             (dir / "sparse").string() + " 1M'");
    CHECK_FALSE(vpin::all_ok(checks));
}

TEST_CASE("unallocated: the holes check's words without the remedy; nothing for a written file")
{
    const TempDir dir;
    make_sparse(dir / "sparse", 1 << 20);
    write_at(dir / "sparse", 1 << 20, std::string(4096, 'x'));
    const auto found = vpin::unallocated(dir / "sparse");
    REQUIRE_FALSE(found.empty());
    CHECK(found[0] == "1 MiB in 1 hole, the first at offset 0");

    write_at(dir / "full", 0, std::string(64 * 1024, 'x'));
    CHECK(vpin::unallocated(dir / "full").empty());
    CHECK_THROWS_AS(vpin::unallocated(dir / "missing"), std::system_error);
}

TEST_CASE("owner_check: the caller's own file, named by the capability the lease type needs")
{
    const TempDir dir;
    write_at(dir / "mine", 0, "x");
    const auto owner = vpin::owner_check(dir / "mine", CAP_LEASE);
    CHECK(owner.name == "owner");
    CHECK(owner.ok);
    CHECK(owner.detail == "owned by the caller (uid " + std::to_string(::geteuid()) + ")");
}

TEST_CASE("prepare_command and shell_quote: a command that can be pasted")
{
    CHECK(vpin::prepare_command("/mnt/x/sparse", 1 << 20) == "pinctl prepare /mnt/x/sparse 1M");
    CHECK(vpin::prepare_command("/mnt/x/odd", 4097) == "pinctl prepare /mnt/x/odd 4097");
    CHECK(vpin::prepare_command("/mnt/x/empty", 0) == "pinctl prepare /mnt/x/empty SIZE");
    CHECK(vpin::shell_quote("/mnt/pmem/buf-1.dat") == "/mnt/pmem/buf-1.dat");
    CHECK(vpin::shell_quote("/mnt/a b") == "'/mnt/a b'");
    CHECK(vpin::shell_quote("it's") == "'it'\\''s'");
    CHECK(vpin::shell_quote("") == "''");
}

TEST_CASE("check_file: a fully written file passes the hole and unwritten checks")
{
    const TempDir dir;
    write_at(dir / "full", 0, std::string(256 * 1024, 'x'));
    const auto checks = vpin::check_file(dir / "full");
    CHECK(find(checks, "regular").ok);
    CHECK(find(checks, "holes").ok);
    CHECK(find(checks, "writable").ok);
    CHECK(find(checks, "owner").ok);
    const auto unwritten = find(checks, "unwritten");
    if (unwritten.detail.find("FIEMAP") == std::string::npos)
        CHECK(unwritten.ok);
}

TEST_CASE("check_file: a directory is not a regular file")
{
    const TempDir dir;
    fs::create_directory(dir / "d");
    const auto checks = vpin::check_file(dir / "d");
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].name == "regular");
    CHECK_FALSE(checks[0].ok);
}

TEST_CASE("check_file: a missing file throws ENOENT naming it")
{
    const TempDir dir;
    try {
        (void)vpin::check_file(dir / "missing");
        FAIL("checked a missing file");
    } catch (const std::system_error &e) {
        CHECK(e.code() == std::errc::no_such_file_or_directory);
        CHECK_THAT(e.what(), Catch::StartsWith("stat: ") && Catch::Contains("missing"));
    }
}

TEST_CASE("prepare_file: creates a file without holes")
{
    const TempDir dir;
    vpin::prepare_file(dir / "new", 3 << 20);
    CHECK(fs::file_size(dir / "new") == 3u << 20);
    const auto checks = vpin::check_file(dir / "new");
    CHECK(find(checks, "holes").ok);
    CHECK(read_at(dir / "new", (3 << 20) - 4096, 4096) == std::string(4096, '\0'));
}

TEST_CASE("prepare_file: fills the holes of a sparse file and keeps its data")
{
    const TempDir dir;
    make_sparse(dir / "f", 1 << 20);
    write_at(dir / "f", 512 * 1024, "data in the middle");
    REQUIRE_FALSE(find(vpin::check_file(dir / "f"), "holes").ok);

    vpin::prepare_file(dir / "f", 2 << 20);
    CHECK(fs::file_size(dir / "f") == 2u << 20);
    CHECK(find(vpin::check_file(dir / "f"), "holes").ok);
    CHECK(read_at(dir / "f", 512 * 1024, 18) == "data in the middle");
}

TEST_CASE("prepare_file: writes over unwritten extents")
{
    const TempDir dir;
    {
        const vpin::Fd fd = vpin::open_file(dir / "f", O_RDWR | O_CREAT, 0644);
        if (::fallocate(fd.get(), 0, 0, 1 << 20) != 0) {
            WARN("fallocate is not supported here: " << std::strerror(errno));
            return;
        }
    }
    const auto before = find(vpin::check_file(dir / "f"), "unwritten");
    if (before.detail.find("FIEMAP") != std::string::npos) {
        WARN("the file system has no FIEMAP");
        return;
    }
    CHECK_FALSE(before.ok);

    vpin::prepare_file(dir / "f", 1 << 20);
    const auto after = vpin::check_file(dir / "f");
    CHECK(find(after, "unwritten").ok);
    CHECK(find(after, "holes").ok);
}

TEST_CASE("prepare_file: refuses to shrink")
{
    const TempDir dir;
    write_at(dir / "f", 0, std::string(8192, 'x'));
    try {
        vpin::prepare_file(dir / "f", 4096);
        FAIL("shrank the file");
    } catch (const std::system_error &e) {
        CHECK(e.code() == std::errc::invalid_argument);
        CHECK_THAT(e.what(), Catch::Contains("refusing to shrink"));
    }
    CHECK(fs::file_size(dir / "f") == 8192);
}

TEST_CASE("prepare_file: the same size leaves the data alone")
{
    const TempDir dir;
    write_at(dir / "f", 0, std::string(8192, 'x'));
    vpin::prepare_file(dir / "f", 8192);
    CHECK(read_at(dir / "f", 0, 8192) == std::string(8192, 'x'));
}
