/* The commands of the emulated shell, one function each (sh_cmds.c has
 * the table).  Each follows sh_cmd_fn: returns the exit status. */
#ifndef AP_SH_CMDS_H
#define AP_SH_CMDS_H

#include "sh.h"

#define SH_CMD(name) int sh_cmd_##name(struct sh *, struct sh_io *, int, char **)

/* sh_cmd_fs.c */
SH_CMD(cat); SH_CMD(ls); SH_CMD(mkdir); SH_CMD(rm); SH_CMD(rmdir);
SH_CMD(touch); SH_CMD(cp); SH_CMD(mv); SH_CMD(chmod); SH_CMD(chown);
SH_CMD(ln); SH_CMD(head); SH_CMD(tail); SH_CMD(wc); SH_CMD(grep);
SH_CMD(dd); SH_CMD(md5sum); SH_CMD(tar);
/* sh_cmd_text.c */
SH_CMD(awk); SH_CMD(cut); SH_CMD(sort); SH_CMD(uniq); SH_CMD(tr);
SH_CMD(base64); SH_CMD(xargs);
/* sh_cmd_sed.c, sh_cmd_lang.c */
SH_CMD(sed); SH_CMD(python3); SH_CMD(perl);
/* sh_cmd_sys.c */
SH_CMD(uname); SH_CMD(id); SH_CMD(whoami); SH_CMD(hostname); SH_CMD(uptime);
SH_CMD(w); SH_CMD(free); SH_CMD(nproc); SH_CMD(ps); SH_CMD(kill);
SH_CMD(pkill); SH_CMD(df); SH_CMD(mount); SH_CMD(ifconfig); SH_CMD(ip);
SH_CMD(netstat); SH_CMD(lscpu); SH_CMD(date); SH_CMD(crontab); SH_CMD(env);
SH_CMD(lsb_release); SH_CMD(last); SH_CMD(getconf); SH_CMD(dmesg);
SH_CMD(ulimit); SH_CMD(clear);
/* sh_cmd_admin.c */
SH_CMD(passwd); SH_CMD(chpasswd); SH_CMD(useradd); SH_CMD(service);
SH_CMD(iptables); SH_CMD(apt);
/* sh_cmd_net.c */
SH_CMD(wget); SH_CMD(curl); SH_CMD(tftp); SH_CMD(ftpget); SH_CMD(scp);
SH_CMD(busybox); SH_CMD(sh); SH_CMD(sudo); SH_CMD(nohup);

/* Helpers shared by the command files. */
int sh_unescape(struct ap_buf *out, const char *s, int octal_needs_zero);
int sh_run_script(struct sh *sh, struct sh_io *io, const char *path,
                  const char *who);
/* The input of a filter: the named files, or stdin when there are none.
 * Errors are printed as "cmd: file: msg"; returns 0 or 1. */
int sh_gather(struct sh *sh, struct sh_io *io, const char *cmd, int nfiles,
              char **files, struct ap_buf *out);

#endif
