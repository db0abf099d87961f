/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the awsvpn tool.
 */
#ifndef AWSVPN_TOOL_COMMON_H
#define AWSVPN_TOOL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netlink/msg.h>

#include "uapi/awsvpn.h"
#include "lib/awsvpn_nl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define __printf(a, b)	__attribute__((format(printf, a, b)))

/*
 * Exit status of every command: 0 success, 1 the command line was fine
 * but the work failed (kernel refused, device missing, file unreadable or
 * wrong), 2 the command line itself is wrong (unknown command, option or
 * keyword, bad value, missing or extra argument).
 */
#define RC_OK		0
#define RC_ERR		1
#define RC_USAGE	2

/*
 * "awsvpn: [CONTEXT: ]<message>\n" on stderr.  CONTEXT is err_context, if
 * set (e.g. "setconf: FILE:LINE" while a file is read).
 */
void err_msg(const char *fmt, ...) __printf(1, 2);
extern const char *err_context;

/*
 * A word the user gave, for a message; "(not shown)" while err_hide_words
 * is set: setconf reads a FILE that may be the wrong one (a key file), and
 * a message must not copy its contents to a terminal or the journal.
 */
const char *err_word(const char *word);
extern bool err_hide_words;

/* parse.c: values and keywords */

struct name_map {
	const char *name;
	int value;
};

int map_value(const struct name_map *map, const char *name);
const char *map_name(const struct name_map *map, int value);
void map_list(FILE *f, const struct name_map *map, const char *sep);

extern const struct name_map dir_names[];
extern const struct name_map enc_names[];
extern const struct name_map integ_names[];
extern const struct name_map encap_names[];
extern const struct name_map socket_names[];
extern const struct name_map df_names[];
extern const struct name_map mss_mode_names[];
extern const struct name_map outer_df_names[];
extern const struct name_map on_off_names[];
extern const struct name_map parallel_names[];
extern const struct name_map mtu_mode_names[];
extern const struct name_map sa_state_names[];
extern const struct name_map carrier_reason_names[];

int parse_u32(const char *s, bool allow_hex, uint32_t *out);
int parse_ipv4(const char *s, uint32_t *be);
int check_ifname(const char *cmd, const char *name);

/*
 * Keyword parsers (kw_parse_fn) and kw_parse() return 0, KW_USAGE for a bad
 * word of the command line, or KW_FAIL when the environment is at fault
 * (a socket-fd that is not open, no memory); kw_rc() turns that into the
 * exit status.
 */
#define KW_USAGE	(-1)
#define KW_FAIL		(-2)

static inline int kw_rc(int ret)
{
	return ret == KW_FAIL ? RC_ERR : ret ? RC_USAGE : RC_OK;
}

/* How a keyword's parsed value goes into the request. */
enum kw_attr_type {
	KW_NONE,	/* not sent directly (read back with kw_get()) */
	KW_U8,
	KW_U16,
	KW_U32,
	KW_BE32,
};

struct kwctx;
struct keyword;

typedef int (*kw_parse_fn)(struct kwctx *c, const struct keyword *kw,
			   const char *arg, uint64_t *val);
typedef int (*kw_put_fn)(struct nl_msg *msg, const struct keyword *kw,
			 uint64_t val);

/*
 * One "name VALUE" pair of a command line.  Tables end with an entry whose
 * name is NULL.  A parser may take further words from the context.
 */
struct keyword {
	const char *name;
	const char *arg;		/* metavariable, for help */
	const char *help;		/* explanation; '\n' continues it */
	kw_parse_fn parse;
	const struct name_map *map;	/* kw_enum() */
	uint32_t min, max;		/* kw_range() */
	bool hex;			/* kw_range(): 0x-hex allowed too */
	int attr;			/* netlink attribute */
	enum kw_attr_type type;
	kw_put_fn put;			/* instead of attr/type */
};

#define KW_MAX	64

struct kwctx {
	const char *cmd;		/* "set", "sa add": for messages */
	const char *topic;		/* for "see 'awsvpn help TOPIC'" */
	const struct keyword *table;
	int argc;
	char **argv;
	struct nl_msg *msg;		/* attributes go here if not NULL */
	uint64_t seen;
	uint64_t val[KW_MAX];
	const char *raw[KW_MAX];
};

int kw_parse(struct kwctx *c);
int kw_put(struct nl_msg *msg, const struct keyword *kw, uint64_t val);
const struct keyword *kw_find(const struct keyword *table, const char *name);
bool kw_get(const struct kwctx *c, const char *name, uint64_t *val,
	    const char **raw);
void kw_help(FILE *f, const struct keyword *table);

int kw_ipv4(struct kwctx *c, const struct keyword *kw, const char *arg,
	    uint64_t *val);
int kw_range(struct kwctx *c, const struct keyword *kw, const char *arg,
	     uint64_t *val);
int kw_enum(struct kwctx *c, const struct keyword *kw, const char *arg,
	    uint64_t *val);
int kw_spi(struct kwctx *c, const struct keyword *kw, const char *arg,
	   uint64_t *val);
int kw_string(struct kwctx *c, const struct keyword *kw, const char *arg,
	      uint64_t *val);

/* format.c: what show and monitor print */

/* "1 day, 2 hours, 3 seconds": days, hours, minutes, seconds, the units
 * that are 0 left out ("0 seconds" for 0). */
void fmt_duration(char *buf, size_t size, uint64_t secs);
/* Milliseconds since the epoch, now (CLOCK_REALTIME). */
int64_t now_ms(void);
/* ISO 8601 UTC with milliseconds: "2026-11-21T12:00:00.123Z". */
void fmt_utc(char *buf, size_t size, int64_t unix_ms);
/* "0x%08x": how SPIs are printed everywhere (text, JSON, dump). */
const char *fmt_spi(char *buf, size_t size, uint32_t spi);
#define SPI_STR(spi)	fmt_spi((char[12]){ 0 }, 12, spi)

/*
 * Colour on standard output: only when it is a terminal and NO_COLOR is
 * not set (https://no-color.org).  col(C_BOLD) is "" without colour.
 */
enum color { C_RESET, C_BOLD, C_RED, C_GREEN, C_YELLOW, C_BOLD_GREEN,
	     C_BOLD_YELLOW };
extern bool use_color;
void color_init(void);
const char *col(enum color c);

/* keys.c */

#define KEY_MAX_LEN	128

int key_file_read(const char *path, uint8_t *key, size_t *len);
uint8_t *key_buf_alloc(void);
void key_buf_free(uint8_t *buf);

/* json.c */

struct json {
	FILE *f;
	int depth;
	bool first;
	bool compact;		/* one line: no newlines or indentation */
};

void json_begin(struct json *j, const char *key, char open);
void json_end(struct json *j, char close);
void json_str(struct json *j, const char *key, const char *s);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_spi(struct json *j, const char *key, uint32_t spi);

/* commands and help */

extern const struct keyword set_keywords[];
extern const struct keyword sa_add_keywords[];
extern const struct keyword sa_del_keywords[];
extern const struct keyword sa_switch_keywords[];
extern const struct keyword sa_flush_keywords[];

int cmd_show(int argc, char **argv);
int cmd_showconf(int argc, char **argv);
int cmd_setconf(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_sa(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int help_conn_topic(FILE *f, const char *topic);
int cmd_convert(int argc, char **argv);

bool help_wanted(int argc, char **argv);
int help_topic(FILE *f, const char *topic);
void help_usage(FILE *f);
void help_short(FILE *f);
void help_hint(const char *topic);

#endif /* AWSVPN_TOOL_COMMON_H */
