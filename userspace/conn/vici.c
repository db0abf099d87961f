// SPDX-License-Identifier: GPL-2.0
/*
 * libvici, loaded at run time (see vici.h for why).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "conn/vici.h"

struct vici_api vici;

static const char *const libvici_paths[] = {
	"/usr/lib/ipsec/libvici.so.0",		/* Debian, Ubuntu */
	"/usr/lib/strongswan/libvici.so.0",
	"/usr/lib64/strongswan/libvici.so.0",	/* Fedora, RHEL */
	"libvici.so.0",				/* the linker's path */
};

#define SYM(field, name) { (void **)&vici.field, name }

int vici_load(void)
{
	static const struct {
		void **slot;
		const char *name;
	} syms[] = {
		SYM(init, "vici_init"),
		SYM(connect, "vici_connect"),
		SYM(disconnect, "vici_disconnect"),
		SYM(begin, "vici_begin"),
		SYM(begin_section, "vici_begin_section"),
		SYM(end_section, "vici_end_section"),
		SYM(add_key_value, "vici_add_key_value"),
		SYM(begin_list, "vici_begin_list"),
		SYM(add_list_item, "vici_add_list_item"),
		SYM(end_list, "vici_end_list"),
		SYM(submit, "vici_submit"),
		SYM(free_req, "vici_free_req"),
		SYM(find_str, "vici_find_str"),
		SYM(find, "vici_find"),
		SYM(free_res, "vici_free_res"),
		SYM(reg, "vici_register"),
		SYM(parse, "vici_parse"),
		SYM(parse_name, "vici_parse_name"),
		SYM(parse_value, "vici_parse_value"),
	};
	static void *handle;
	size_t i;

	if (handle)
		return 0;
	for (i = 0; i < ARRAY_SIZE(libvici_paths) && !handle; i++)
		handle = dlopen(libvici_paths[i], RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		err_msg("strongSwan's libvici.so.0 not found (Debian: apt install strongswan-swanctl charon-systemd)");
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		*syms[i].slot = dlsym(handle, syms[i].name);
		if (!*syms[i].slot) {
			err_msg("libvici has no %s: strongSwan too old (5.2 or later needed)",
				syms[i].name);
			dlclose(handle);
			handle = NULL;
			return -1;
		}
	}
	vici.init();
	return 0;
}

vici_conn_t *vici_open(const char *uri)
{
	vici_conn_t *conn;

	if (vici_load())
		return NULL;
	if (!uri)
		uri = VICI_DEFAULT_URI;
	conn = vici.connect((char *)uri);
	if (!conn)
		err_msg("cannot connect to charon at %s: %s (is strongSwan's charon running with the vici plugin?)",
			uri, strerror(errno));
	return conn;
}

void vici_kv(vici_req_t *req, const char *key, const char *val)
{
	vici.add_key_value(req, (char *)key, (void *)val, strlen(val));
}

void vici_kvf(vici_req_t *req, const char *key, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vici_kv(req, key, buf);
}

void vici_list1(vici_req_t *req, const char *key, const char *item)
{
	vici.begin_list(req, (char *)key);
	vici.add_list_item(req, (void *)item, strlen(item));
	vici.end_list(req);
}

int vici_call(vici_conn_t *conn, vici_req_t *req, const char *what,
	      vici_res_t **res_out)
{
	vici_res_t *res = vici.submit(req, conn);

	if (!res) {
		err_msg("%s: no answer from charon: %s", what, strerror(errno));
		return -1;
	}
	/* commands that can fail say "success"; stats and the like do not */
	if (strcmp(vici.find_str(res, "yes", "success"), "yes")) {
		err_msg("%s: charon says: %s", what,
			vici.find_str(res, "(no reason given)", "errmsg"));
		vici.free_res(res);
		return -1;
	}
	if (res_out)
		*res_out = res;
	else
		vici.free_res(res);
	return 0;
}
