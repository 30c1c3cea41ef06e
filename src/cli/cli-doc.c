/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manual pages and bash completion from the command tables: the tables (names, summaries,
 * descriptions, options) are the source, so the pages and the completion never drift from what
 * the binary parses. The build runs `tenant help --man DIR` and `tenant help --completion`
 * (meson.build); `make install` installs what they write.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "cli-doc.h"
#include "macro.h"
#include "version.h"
#include "banned.h"

/* Text in roff: backslashes and hyphens escaped, a leading dot or quote defused. */
static void roff_text(FILE *f, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

/* A description's lines joined into paragraphs (a blank line starts a new one). */
static void roff_paragraphs(FILE *f, const char *s)
{
	const char *p = s;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)MIN(len, sizeof(line) - 1), p);
		if (len == 0)
			fputs(".PP\n", f);
		else {
			roff_text(f, line);
			fputc('\n', f);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
}

static void page_name(char *buf, size_t len, const struct tn_command *const *path, int depth)
{
	size_t off = (size_t)snprintf(buf, len, "tenant");

	for (int i = 1; i < depth && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "-%s", path[i]->name);
}

static void upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

static void options(FILE *f, const struct tn_cli_option *o, bool global)
{
	fprintf(f, ".SH %s\n", global ? "GLOBAL OPTIONS" : "OPTIONS");
	for (; o && o->name; o++) {
		fputs(".TP\n", f);
		if (o->short_name)
			fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
		fputs("\\fB\\-\\-", f);
		roff_text(f, o->name);
		fputs("\\fR", f);
		if (o->arg) {
			fputs(" \\fI", f);
			roff_text(f, o->arg);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		roff_text(f, o->help);
		fputc('\n', f);
	}
	fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nshow this help\n", f);
}

static const char tenant_files[] =
	".SH FILES\n"
	".TP\n/etc/subuid, /etc/subgid\nsubordinate ID ranges (tenant subid; newuidmap)\n"
	".TP\n/etc/tenant/tenant.conf\n\\fBremap\\-user = NAME\\fR for \\-\\-userns remap\n"
	".TP\n/var/lib/tenant/userns.json, $XDG_DATA_HOME/tenant/userns.json\n"
	"the registry of \\-\\-userns auto ranges (root, rootless)\n"
	".TP\n/run/tenant, $XDG_RUNTIME_DIR/tenant\nthe state of containers (\\-\\-root)\n"
	".SH EXIT STATUS\n0 on success, 1 on failure, 2 on a usage error; "
	"\\fBcheck\\fR exits 1 when a check fails.\n"
	".SH SEE ALSO\n\\fBuser_namespaces\\fR(7), \\fBsubuid\\fR(5), \\fBnewuidmap\\fR(1), "
	"\\fBrunc\\fR(8), \\fBpodman\\fR(1)\n";

static void page(FILE *f, const struct tn_command *const *path, int depth, const char *date)
{
	const struct tn_command *c = path[depth - 1];
	char name[256], title[256];

	page_name(name, sizeof(name), path, depth);
	snprintf(title, sizeof(title), "%s", name);
	upper(title);
	fprintf(f, ".TH %s 1 \"%s\" \"tenant %s\" \"tenant manual\"\n.SH NAME\n", title, date,
		TENANT_VERSION);
	roff_text(f, name);
	fputs(" \\- ", f);
	roff_text(f, c->summary);
	fputs("\n.SH SYNOPSIS\n.B tenant", f);
	for (int i = 1; i < depth; i++)
		fprintf(f, " %s", path[i]->name);
	fprintf(f, "\n%s%s", depth == 1 ? "[\\fIGLOBAL OPTIONS\\fR] " : "",
		c->options && c->options->name ? "[\\fIOPTIONS\\fR]" : "");
	if (c->subcommands)
		fputs(" \\fICOMMAND\\fR", f);
	if (c->args_help) {
		fputc(' ', f);
		roff_text(f, c->args_help + (c->args_help[0] == ' '));
	}
	fputs("\n.SH DESCRIPTION\n", f);
	roff_paragraphs(f, c->description ? c->description : c->summary);
	if (c->subcommands) {
		fputs(".SH COMMANDS\n", f);
		for (const struct tn_command *s = c->subcommands; s->name; s++) {
			fprintf(f, ".TP\n\\fB%s\\-%s\\fR(1)\n", name, s->name);
			roff_text(f, s->summary);
			fputc('\n', f);
		}
	}
	options(f, c->options, depth == 1);
	if (depth == 1)
		fputs(tenant_files, f);
	else
		fputs(".SH SEE ALSO\n\\fBtenant\\fR(1)\n", f);
}

/* Every page below `c`, each in DIR/NAME.1. */
static int pages(const char *dir, const struct tn_command **path, int depth, const char *date)
{
	const struct tn_command *c = path[depth - 1];
	char name[256], file[PATH_MAX];
	FILE *f;
	int r;

	if (depth > 6)
		return -ELOOP;
	page_name(name, sizeof(name), path, depth);
	snprintf(file, sizeof(file), "%s/%s.1", dir, name);
	f = fopen(file, "we");
	if (!f)
		return negative_errno();
	page(f, path, depth, date);
	if (fclose(f) != 0)
		return negative_errno();
	for (const struct tn_command *s = c->subcommands; s && s->name; s++) {
		if (strcmp(s->name, "help") == 0)
			continue;
		path[depth] = s;
		r = pages(dir, path, depth + 1, date);
		if (r < 0)
			return r;
	}
	return 0;
}

int tn_cli_man(const struct tn_command *root, const char *dir, const char *date)
{
	const struct tn_command *path[8] = { root };

	return pages(dir, path, 1, date);
}

/* ---- bash completion ---- */

static void words(FILE *f, const struct tn_command *c)
{
	for (const struct tn_command *s = c->subcommands; s && s->name; s++)
		fprintf(f, "%s ", s->name);
	for (const struct tn_cli_option *o = c->options; o && o->name; o++)
		fprintf(f, "--%s ", o->name);
	fputs("--help", f);
}

static void cases(FILE *f, const struct tn_command *c, const char *key)
{
	char sub[256];

	fprintf(f, "\t\"%s\") w=\"", key);
	words(f, c);
	fputs("\" ;;\n", f);
	for (const struct tn_command *s = c->subcommands; s && s->name; s++) {
		snprintf(sub, sizeof(sub), "%s%s%s", key, *key ? " " : "", s->name);
		cases(f, s, sub);
	}
}

void tn_cli_completion(FILE *f, const struct tn_command *root)
{
	fputs("# bash completion for tenant, generated from its command tables\n"
	      "_tenant() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} key=\"\" w i\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in -*) ;; *) [ -n \"$key\" ] && key+=\" \"; "
	      "key+=${COMP_WORDS[i]} ;; esac\n"
	      "\tdone\n"
	      "\twhile :; do\n"
	      "\tcase \"$key\" in\n",
	      f);
	cases(f, root, "");
	fputs("\t*) if [[ $key == *\" \"* ]]; then key=${key% *}; else key=\"\"; fi; continue ;;\n"
	      "\tesac\n"
	      "\tbreak\n"
	      "\tdone\n"
	      "\tCOMPREPLY=($(compgen -W \"$w\" -- \"$cur\"))\n"
	      "\t[[ $cur != -* && ${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\treturn 0\n"
	      "}\n"
	      "complete -F _tenant tenant\n",
	      f);
}
