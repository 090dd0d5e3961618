/*
 * The emulated file system of one shell session: a tree built from a
 * static image (vfs_image.c) when the session gets a shell; writes,
 * deletions and new files change only this session's tree (files written
 * persist for the session), with the total bytes and nodes capped
 * (AP_LIMIT_SH_FS_*).  Nothing touches the real disk.
 *
 * Functions here return 0 or a negative errno (-ENOENT, -EACCES ...),
 * because the shell prints exactly the error a real kernel would give;
 * vfs_strerror() has the glibc texts.
 */
#ifndef AP_SH_VFS_H
#define AP_SH_VFS_H

#include <stddef.h>
#include <stdint.h>

enum vfs_type { VFS_DIR, VFS_FILE, VFS_LINK, VFS_CHR };

/* Files whose content is generated when read (from the profile/clock). */
enum vfs_gen {
    VFS_GEN_NONE,
    VFS_GEN_CPUINFO,
    VFS_GEN_MEMINFO,
    VFS_GEN_UPTIME,
    VFS_GEN_VERSION,
    VFS_GEN_LOADAVG,
    VFS_GEN_MOUNTS,
    VFS_GEN_ELF, /* an executable: an x86-64 ELF header */
};

struct vfs_node {
    char *name;
    enum vfs_type type;
    uint16_t mode; /* permission bits */
    uint32_t uid, gid;
    int64_t mtime;
    enum vfs_gen gen;
    const uint8_t *data; /* static image bytes, or == owned */
    uint8_t *owned;
    size_t size;
    char *target; /* VFS_LINK */
    struct vfs_node *parent, *child, *sibling;
};

struct sh_host;
struct vfs {
    struct vfs_node *root;
    size_t bytes, nodes;
    const struct sh_host *host;
};

/* Build the session tree.  NULL on ENOMEM. */
struct vfs *vfs_new(const struct sh_host *host, int64_t now);
void vfs_free(struct vfs *fs);

/* Resolve path (relative to cwd).  follow: resolve a final symlink. */
int vfs_lookup(struct vfs *fs, const char *cwd, const char *path, int follow,
               struct vfs_node **out);
/* Open for writing: create (mode 0644 by uid) or truncate unless append.
 * Fails on directories, missing parents, permissions, /proc and /sys. */
int vfs_open_write(struct vfs *fs, const char *cwd, const char *path,
                   uint32_t uid, int append, int64_t now,
                   struct vfs_node **out);
/* Append bytes to a regular file (capped by AP_LIMIT_SH_FS_BYTES). */
int vfs_append(struct vfs *fs, struct vfs_node *f, const void *p, size_t n);
int vfs_mkdir(struct vfs *fs, const char *cwd, const char *path, uint32_t uid,
              int64_t now);
/* Remove a file, or a directory when recursive or dir (rmdir). */
int vfs_remove(struct vfs *fs, const char *cwd, const char *path,
               uint32_t uid, int recursive, int dir_only);
/* Move/rename. */
int vfs_rename(struct vfs *fs, const char *cwd, const char *from,
               const char *to, uint32_t uid);
/* Add a symlink. */
int vfs_symlink(struct vfs *fs, const char *cwd, const char *target,
                const char *path, uint32_t uid, int64_t now);

/* May uid write into / read n? */
int vfs_can_write(const struct vfs_node *n, uint32_t uid);
int vfs_can_read(const struct vfs_node *n, uint32_t uid);

/* Absolute path of n into buf (always NUL-terminated). */
void vfs_path(const struct vfs_node *n, char *buf, size_t len);
/* The glibc text of -err ("No such file or directory"). */
const char *vfs_strerror(int err);

/* Add a node under an existing directory (image building and tests). */
struct vfs_node *vfs_add(struct vfs *fs, struct vfs_node *dir,
                         const char *name, enum vfs_type type, uint16_t mode,
                         uint32_t uid, int64_t mtime);

#endif
