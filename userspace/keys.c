// SPDX-License-Identifier: GPL-2.0
/*
 * Key files: hex text, read without stdio buffering so that every copy of
 * the key can be wiped.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define KEY_FILE_MAX	4096	/* bytes of text */

/*
 * Key material lives in locked pages where we can (mlock is best effort).
 * Locks are per page and do not nest: unlocking one buffer could unlock
 * another's page, so pages stay locked until the (short-lived) tool
 * exits.  libnl's message buffer holds a copy too, wiped but not locked.
 */
static void *secret_alloc(size_t len)
{
	void *p = calloc(1, len);

	if (p)
		mlock(p, len);
	return p;
}

static void secret_free(void *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

uint8_t *key_buf_alloc(void)
{
	return secret_alloc(KEY_MAX_LEN);
}

void key_buf_free(uint8_t *buf)
{
	secret_free(buf, KEY_MAX_LEN);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode @text: hex digits, whitespace anywhere, optionally "0x" first.
 * Stores at most KEY_MAX_LEN bytes but counts them all in @len, so that
 * the caller can say how long the key was.
 */
static int hex_decode(const char *path, const char *text, size_t n,
		      uint8_t *key, size_t *len)
{
	size_t i = 0, digits = 0, bytes = 0;
	unsigned int acc = 0;

	while (i < n && isspace((unsigned char)text[i]))
		i++;
	if (i + 1 < n && text[i] == '0' && (text[i + 1] == 'x' ||
					     text[i + 1] == 'X'))
		i += 2;

	for (; i < n; i++) {
		int v;

		if (isspace((unsigned char)text[i]))
			continue;
		v = hexval((unsigned char)text[i]);
		if (v < 0) {
			err_msg("key-file '%s': invalid character at offset %zu (expected hex digits)",
				path, i);
			acc = 0;
			return -1;
		}
		acc = (acc << 4) | v;
		if (++digits % 2 == 0) {
			if (bytes < KEY_MAX_LEN)
				key[bytes] = acc;
			bytes++;
			acc = 0;
		}
	}
	acc = 0;
	if (!digits) {
		err_msg("key-file '%s': no key found", path);
		return -1;
	}
	if (digits % 2) {
		err_msg("key-file '%s': odd number of hex digits (%zu)",
			path, digits);
		return -1;
	}
	*len = bytes;
	return 0;
}

static void check_mode(const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return;
	if (st.st_mode & (S_IRGRP | S_IROTH))
		err_msg("warning: key-file '%s' is readable by %s (chmod go-r)",
			path, (st.st_mode & S_IROTH) ? "everyone" : "its group");
}

/*
 * Read the hex key file @path ("-" is stdin) into @key (KEY_MAX_LEN bytes,
 * from key_buf_alloc()); @len gets the number of bytes the file holds.
 */
int key_file_read(const char *path, uint8_t *key, size_t *len)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "(stdin)" : path;
	size_t n = 0;
	char *text;
	int fd, ret = -1;

	text = secret_alloc(KEY_FILE_MAX + 1);
	if (!text) {
		err_msg("key-file: %s", strerror(ENOMEM));
		return -1;
	}

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC |
					    O_NOCTTY);
	if (fd < 0) {
		err_msg("key-file '%s': %s", name, strerror(errno));
		goto out;
	}
	check_mode(name, fd);

	for (;;) {
		ssize_t r = read(fd, text + n, KEY_FILE_MAX + 1 - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			err_msg("key-file '%s': %s", name, strerror(errno));
			goto out_close;
		}
		if (!r)
			break;
		n += r;
		if (n > KEY_FILE_MAX) {
			err_msg("key-file '%s': too large (at most %d bytes)",
				name, KEY_FILE_MAX);
			goto out_close;
		}
	}

	ret = hex_decode(name, text, n, key, len);

out_close:
	if (!is_stdin)
		close(fd);
out:
	secret_free(text, KEY_FILE_MAX + 1);
	return ret;
}
