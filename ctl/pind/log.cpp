// SPDX-License-Identifier: GPL-2.0
#include "log.hpp"

#include <systemd/sd-daemon.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include <sys/stat.h>
#include <unistd.h>

namespace pind {

namespace {

// JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected; it
// still names standard error only if nobody redirected it since.
bool stderr_is_journal()
{
    const char *stream = std::getenv("JOURNAL_STREAM");
    if (!stream)
        return false;
    std::uintmax_t dev = 0;
    std::uintmax_t ino = 0;
    struct stat st {};
    return std::sscanf(stream, "%" SCNuMAX ":%" SCNuMAX, &dev, &ino) == 2 &&
           ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

} // namespace

void log(Level level, std::string_view message)
{
    static const bool journal = stderr_is_journal();
    const char *prefix = "";
    if (journal) {
        switch (level) {
        case Level::error: prefix = SD_ERR; break;
        case Level::warning: prefix = SD_WARNING; break;
        case Level::info: prefix = SD_INFO; break;
        }
    }
    fmt::print(stderr, "{}{}\n", prefix, message);
}

} // namespace pind
