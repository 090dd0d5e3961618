/*
 * The identity profiles.  Each one copies a real build: the SSH lists are
 * that OpenSSH's server defaults in its order, minus what libssh 0.10 does
 * not implement (sntrup761x25519, umac-*; see docs/SSH.md); the host facts
 * are a stock cloud VM of that release.
 */
#include <stdio.h>
#include <string.h>

#include "profile.h"

#include "ap/common.h"

#define UBUNTU_2204_OS_RELEASE                                                 \
    "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\n"                                     \
    "NAME=\"Ubuntu\"\n"                                                        \
    "VERSION_ID=\"22.04\"\n"                                                   \
    "VERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\n"                              \
    "VERSION_CODENAME=jammy\n"                                                 \
    "ID=ubuntu\n"                                                              \
    "ID_LIKE=debian\n"                                                         \
    "HOME_URL=\"https://www.ubuntu.com/\"\n"                                   \
    "SUPPORT_URL=\"https://help.ubuntu.com/\"\n"                               \
    "BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n"                  \
    "PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/"    \
    "privacy-policy\"\n"                                                       \
    "UBUNTU_CODENAME=jammy\n"

#define DEBIAN_12_OS_RELEASE                                                   \
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"                         \
    "NAME=\"Debian GNU/Linux\"\n"                                              \
    "VERSION_ID=\"12\"\n"                                                      \
    "VERSION=\"12 (bookworm)\"\n"                                              \
    "VERSION_CODENAME=bookworm\n"                                              \
    "ID=debian\n"                                                              \
    "HOME_URL=\"https://www.debian.org/\"\n"                                   \
    "SUPPORT_URL=\"https://www.debian.org/support\"\n"                         \
    "BUG_REPORT_URL=\"https://bugs.debian.org/\"\n"

#define XEON_FLAGS                                                             \
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 " \
    "clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc " \
    "arch_perfmon rep_good nopl xtopology cpuid tsc_known_freq pni pclmulqdq " \
    "ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt "                   \
    "tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm "     \
    "3dnowprefetch invpcid_single pti ssbd ibrs ibpb stibp fsgsbase "          \
    "tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm rdseed adx smap "     \
    "xsaveopt arat md_clear arch_capabilities"

static const struct sh_profile profiles[] = {
    {
        .name = "ubuntu-22.04",
        .ssh_version = "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10",
        .ssh_kex = "curve25519-sha256,curve25519-sha256@libssh.org,"
                   "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
                   "diffie-hellman-group-exchange-sha256,"
                   "diffie-hellman-group16-sha512,"
                   "diffie-hellman-group18-sha512,"
                   "diffie-hellman-group14-sha256",
        .ssh_hostkeys = "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,"
                        "ssh-ed25519",
        .ssh_ciphers = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,"
                       "aes256-ctr,aes128-gcm@openssh.com,"
                       "aes256-gcm@openssh.com",
        .ssh_macs = "hmac-sha2-256-etm@openssh.com,"
                    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,"
                    "hmac-sha2-256,hmac-sha2-512,hmac-sha1",
        .kernel_release = "5.15.0-91-generic",
        .kernel_version = "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",
        .machine = "x86_64",
        .os_pretty = "Ubuntu 22.04.3 LTS",
        .os_release = UBUNTU_2204_OS_RELEASE,
        .issue = "Ubuntu 22.04.3 LTS \\n \\l\n\n",
        .lsb_codename = "jammy",
        .gcc_version = "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld "
                       "(GNU Binutils for Ubuntu) 2.38",
        .cpu_model = "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
        .cpu_vendor = "GenuineIntel",
        .cpu_family = 6,
        .cpu_model_no = 79,
        .cpu_stepping = 1,
        .cpu_mhz = 2399.996,
        .cpu_cache_kb = 35840,
        .cpu_flags = XEON_FLAGS,
        .ncpu = 2,
        .mem_kb = 4015192,
        .disk_kb = 81106868,
        .user = "ubuntu",
        .busybox = "BusyBox v1.30.1 (Ubuntu 1:1.30.1-7ubuntu3) multi-call "
                   "binary.",
        .telnet_product = "Linux telnetd",
    },
    {
        .name = "debian-12",
        .ssh_version = "OpenSSH_9.2p1 Debian-2+deb12u3",
        .ssh_kex = "curve25519-sha256,curve25519-sha256@libssh.org,"
                   "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,"
                   "diffie-hellman-group-exchange-sha256,"
                   "diffie-hellman-group16-sha512,"
                   "diffie-hellman-group18-sha512,"
                   "diffie-hellman-group14-sha256",
        .ssh_hostkeys = "rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,"
                        "ssh-ed25519",
        .ssh_ciphers = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,"
                       "aes256-ctr,aes128-gcm@openssh.com,"
                       "aes256-gcm@openssh.com",
        .ssh_macs = "hmac-sha2-256-etm@openssh.com,"
                    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,"
                    "hmac-sha2-256,hmac-sha2-512,hmac-sha1",
        .kernel_release = "6.1.0-17-amd64",
        .kernel_version = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.69-1 (2023-12-30)",
        .machine = "x86_64",
        .os_pretty = "Debian GNU/Linux 12 (bookworm)",
        .os_release = DEBIAN_12_OS_RELEASE,
        .issue = "Debian GNU/Linux 12 \\n \\l\n\n",
        .lsb_codename = "bookworm",
        .gcc_version = "gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils "
                       "for Debian) 2.40",
        .cpu_model = "Intel(R) Xeon(R) Gold 6140 CPU @ 2.30GHz",
        .cpu_vendor = "GenuineIntel",
        .cpu_family = 6,
        .cpu_model_no = 85,
        .cpu_stepping = 4,
        .cpu_mhz = 2294.608,
        .cpu_cache_kb = 25344,
        .cpu_flags = XEON_FLAGS,
        .ncpu = 4,
        .mem_kb = 8141204,
        .disk_kb = 162111244,
        .user = "debian",
        .busybox = "BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.",
        .telnet_product = "Linux telnetd",
    },
};

const struct sh_profile *
sh_profile_find(const char *name)
{
    size_t i;
    for (i = 0; i < AP_ARRAY_SIZE(profiles); i++)
        if (strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    return NULL;
}

const struct sh_profile *
sh_profile_default(void)
{
    return &profiles[0];
}
