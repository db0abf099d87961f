// SPDX-License-Identifier: GPL-2.0
/*
 * How the tool writes times, SPIs and colour.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

void fmt_duration(char *buf, size_t size, uint64_t secs)
{
	static const struct {
		const char *name;
		uint64_t secs;
	} units[] = {
		{ "day", 24 * 3600 },
		{ "hour", 3600 },
		{ "minute", 60 },
		{ "second", 1 },
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(units) && n < size; i++) {
		uint64_t v = secs / units[i].secs;

		if (!v)
			continue;
		secs %= units[i].secs;
		n += snprintf(buf + n, size - n, "%s%" PRIu64 " %s%s",
			      n ? ", " : "", v, units[i].name,
			      v == 1 ? "" : "s");
	}
	if (!n)
		snprintf(buf, size, "0 seconds");
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fmt_utc(char *buf, size_t size, int64_t unix_ms)
{
	struct tm tm;
	time_t t;
	size_t n;

	/* A clock before 1970 (or a time beyond struct tm): the epoch. */
	if (unix_ms < 0)
		unix_ms = 0;
	t = unix_ms / 1000;
	if (!gmtime_r(&t, &tm)) {
		unix_ms = t = 0;
		gmtime_r(&t, &tm);
	}
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03dZ", (int)(unix_ms % 1000));
}

const char *fmt_spi(char *buf, size_t size, uint32_t spi)
{
	snprintf(buf, size, "0x%08x", spi);
	return buf;
}

bool use_color;

void color_init(void)
{
	const char *no = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	use_color = isatty(STDOUT_FILENO) && !(no && *no) &&
		    !(term && !strcmp(term, "dumb"));
}

const char *col(enum color c)
{
	static const char *const seq[] = {
		[C_RESET] = "\033[0m",
		[C_BOLD] = "\033[1m",
		[C_RED] = "\033[31m",
		[C_GREEN] = "\033[32m",
		[C_YELLOW] = "\033[33m",
		[C_BOLD_GREEN] = "\033[1;32m",
		[C_BOLD_YELLOW] = "\033[1;33m",
	};

	return use_color ? seq[c] : "";
}
