// SPDX-License-Identifier: GPL-2.0
/*
 * Minimal indented JSON writer.
 */
#include <inttypes.h>

#include "common.h"

/* Length of the valid UTF-8 sequence at @s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong, surrogates, beyond U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		int n;

		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

static void next(struct json *j, const char *key)
{
	if (j->depth && j->compact) {
		if (!j->first)
			fputs(", ", j->f);
	} else if (j->depth) {
		fputs(j->first ? "\n" : ",\n", j->f);
		fprintf(j->f, "%*s", 2 * j->depth, "");
	}
	j->first = false;
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

void json_begin(struct json *j, const char *key, char open)
{
	next(j, key);
	fputc(open, j->f);
	j->depth++;
	j->first = true;
}

void json_end(struct json *j, char close)
{
	j->depth--;
	if (!j->first && !j->compact) {
		fputc('\n', j->f);
		fprintf(j->f, "%*s", 2 * j->depth, "");
	}
	fputc(close, j->f);
	j->first = false;
	if (!j->depth)
		fputc('\n', j->f);
}

void json_str(struct json *j, const char *key, const char *s)
{
	next(j, key);
	put_string(j->f, s);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	next(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	next(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	next(j, key);
	fputs("null", j->f);
}

/* SPIs are strings, "0x%08x", as in the text output. */
void json_spi(struct json *j, const char *key, uint32_t spi)
{
	char buf[12];

	fmt_spi(buf, sizeof(buf), spi);
	json_str(j, key, buf);
}
