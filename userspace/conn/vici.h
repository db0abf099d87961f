/* SPDX-License-Identifier: GPL-2.0 */
/*
 * charon's vici protocol through strongSwan's own client library.
 *
 * libvici.so.0 comes with Debian's strongswan-swanctl (in /usr/lib/ipsec,
 * outside the linker's path) and has no -dev package, so the tool loads it
 * at run time: awsvpn builds and its device commands work on a machine
 * without strongSwan, and only "up", "down" and "status" need it.  The
 * calls used are libvici's documented, stable C API (strongSwan 5.2 on).
 */
#ifndef AWSVPN_CONN_VICI_H
#define AWSVPN_CONN_VICI_H

#include <stdbool.h>
#include <stddef.h>

#define VICI_DEFAULT_URI	"unix:///var/run/charon.vici"

typedef struct vici_conn_t vici_conn_t;
typedef struct vici_req_t vici_req_t;
typedef struct vici_res_t vici_res_t;
typedef void (*vici_event_cb_t)(void *user, char *name, vici_res_t *msg);

/* The libvici entry points the tool uses, resolved by vici_load(). */
struct vici_api {
	void (*init)(void);
	vici_conn_t *(*connect)(char *uri);
	void (*disconnect)(vici_conn_t *conn);
	vici_req_t *(*begin)(char *name);
	void (*begin_section)(vici_req_t *req, char *name);
	void (*end_section)(vici_req_t *req);
	void (*add_key_value)(vici_req_t *req, char *key, void *buf, int len);
	void (*begin_list)(vici_req_t *req, char *name);
	void (*add_list_item)(vici_req_t *req, void *buf, int len);
	void (*end_list)(vici_req_t *req);
	vici_res_t *(*submit)(vici_req_t *req, vici_conn_t *conn);
	void (*free_req)(vici_req_t *req);
	char *(*find_str)(vici_res_t *res, char *def, char *fmt, ...);
	void *(*find)(vici_res_t *res, int *len, char *fmt, ...);
	void (*free_res)(vici_res_t *res);
	int (*reg)(vici_conn_t *conn, char *name, vici_event_cb_t cb,
		   void *user);
	int (*parse)(vici_res_t *res);
	char *(*parse_name)(vici_res_t *res);
	void *(*parse_value)(vici_res_t *res, int *len);
};

/* Values of vici_parse(): libvici's vici_parse_t, in its order (ABI) */
enum {
	VICI_PARSE_BEGIN_SECTION,
	VICI_PARSE_END_SECTION,
	VICI_PARSE_BEGIN_LIST,
	VICI_PARSE_LIST_ITEM,
	VICI_PARSE_END_LIST,
	VICI_PARSE_KEY_VALUE,
	VICI_PARSE_END,
	VICI_PARSE_ERROR,
};

extern struct vici_api vici;

/* Load libvici once; 0, or -1 with the reason printed. */
int vici_load(void);

/*
 * Connect to @uri (NULL: charon's default socket); NULL with the reason
 * printed (charon not running, permissions).
 */
vici_conn_t *vici_open(const char *uri);

/* Request helpers: strings as values, lists of strings. */
void vici_kv(vici_req_t *req, const char *key, const char *val);
void vici_kvf(vici_req_t *req, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vici_list1(vici_req_t *req, const char *key, const char *item);

/*
 * Submit @req (consumed) and check the reply's "success": 0, or -1 with
 * "@what: charon says: errmsg" printed.  @res_out, if not NULL, gets the
 * reply (free with vici.free_res) on success.
 */
int vici_call(vici_conn_t *conn, vici_req_t *req, const char *what,
	      vici_res_t **res_out);

#endif
