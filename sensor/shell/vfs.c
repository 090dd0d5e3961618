/*
 * The session file system tree: lookups with symlinks, creation, removal,
 * renames, with Linux permission rules and errors.  Contents of the static
 * image are borrowed until written (copy on write).
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ap/limits.h"
#include "vfs.h"

#include "ap/common.h"

#define VFS_PATH_MAX 4096
#define VFS_NAME_MAX 255
#define VFS_LOOP_MAX 8

const char *
vfs_strerror(int err)
{
    switch (-err) {
    case ENOENT: return "No such file or directory";
    case EACCES: return "Permission denied";
    case EPERM: return "Operation not permitted";
    case EEXIST: return "File exists";
    case ENOTDIR: return "Not a directory";
    case EISDIR: return "Is a directory";
    case ENOTEMPTY: return "Directory not empty";
    case EROFS: return "Read-only file system";
    case ENOSPC: return "No space left on device";
    case ENAMETOOLONG: return "File name too long";
    case ELOOP: return "Too many levels of symbolic links";
    case EINVAL: return "Invalid argument";
    case EBUSY: return "Device or resource busy";
    default: return "Input/output error";
    }
}

struct vfs_node *
vfs_add(struct vfs *fs, struct vfs_node *dir, const char *name,
        enum vfs_type type, uint16_t mode, uint32_t uid, int64_t mtime)
{
    struct vfs_node *n, **tail;

    if (fs->nodes >= AP_LIMIT_SH_FS_NODES)
        return NULL;
    if ((n = calloc(1, sizeof(*n))) == NULL)
        return NULL;
    if ((n->name = strdup(name)) == NULL) {
        free(n);
        return NULL;
    }
    n->type = type;
    n->mode = mode;
    n->uid = n->gid = uid;
    n->mtime = mtime;
    n->parent = dir ? dir : n;
    if (dir) {
        /* keep children sorted: ls prints them in this order */
        for (tail = &dir->child; *tail && strcmp((*tail)->name, name) < 0;
             tail = &(*tail)->sibling)
            ;
        n->sibling = *tail;
        *tail = n;
    }
    fs->nodes++;
    return n;
}

static void
node_free(struct vfs *fs, struct vfs_node *n)
{
    while (n) {
        struct vfs_node *next = n->sibling;
        node_free(fs, n->child);
        if (n->owned) {
            fs->bytes -= AP_MIN(fs->bytes, n->size);
            free(n->owned);
        }
        free(n->target);
        free(n->name);
        free(n);
        fs->nodes--;
        n = next;
    }
}

void
vfs_free(struct vfs *fs)
{
    if (fs == NULL)
        return;
    node_free(fs, fs->root);
    free(fs);
}

static struct vfs_node *
child(const struct vfs_node *dir, const char *name, size_t n)
{
    struct vfs_node *c;
    for (c = dir->child; c; c = c->sibling)
        if (strlen(c->name) == n && memcmp(c->name, name, n) == 0)
            return c;
    return NULL;
}

static int resolve(struct vfs *fs, struct vfs_node *start, const char *path,
                   int follow, unsigned depth, struct vfs_node **out);

/* Follow a symlink found in dir. */
static int
follow_link(struct vfs *fs, struct vfs_node *link, unsigned depth,
            struct vfs_node **out)
{
    if (depth >= VFS_LOOP_MAX)
        return -ELOOP;
    return resolve(fs, link->parent, link->target, 1, depth + 1, out);
}

static int
resolve(struct vfs *fs, struct vfs_node *start, const char *path, int follow,
        unsigned depth, struct vfs_node **out)
{
    struct vfs_node *cur = path[0] == '/' ? fs->root : start;
    const char *p = path;
    int rc;

    for (;;) {
        const char *e;
        size_t n;
        struct vfs_node *c;

        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        if (cur->type != VFS_DIR)
            return -ENOTDIR;
        e = strchr(p, '/');
        n = e ? (size_t)(e - p) : strlen(p);
        if (n > VFS_NAME_MAX)
            return -ENAMETOOLONG;
        if (n == 1 && p[0] == '.') {
            c = cur;
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            c = cur->parent;
        } else {
            if ((c = child(cur, p, n)) == NULL)
                return -ENOENT;
        }
        p += n;
        if (c->type == VFS_LINK) {
            int last = strspn(p, "/") == strlen(p);
            if (!last || follow || *p == '/') {
                if ((rc = follow_link(fs, c, depth, &c)) != 0)
                    return rc;
            }
        }
        cur = c;
    }
    *out = cur;
    return 0;
}

/* cwd + path into one absolute path. */
static int
join(const char *cwd, const char *path, char *buf, size_t len)
{
    int n;
    if (path[0] == '/')
        n = snprintf(buf, len, "%s", path);
    else
        n = snprintf(buf, len, "%s/%s", cwd, path);
    if (n < 0 || (size_t)n >= len)
        return -ENAMETOOLONG;
    return 0;
}

int
vfs_lookup(struct vfs *fs, const char *cwd, const char *path, int follow,
           struct vfs_node **out)
{
    char buf[VFS_PATH_MAX];
    int rc;

    if (path[0] == '\0')
        return -ENOENT;
    if ((rc = join(cwd, path, buf, sizeof(buf))) != 0)
        return rc;
    return resolve(fs, fs->root, buf, follow, 0, out);
}

/* Split path into its parent directory node and last name. */
static int
parent_of(struct vfs *fs, const char *cwd, const char *path,
          struct vfs_node **dir, char *name, size_t namelen)
{
    char buf[VFS_PATH_MAX];
    char *slash;
    size_t n;
    int rc;

    if (path[0] == '\0')
        return -ENOENT;
    if ((rc = join(cwd, path, buf, sizeof(buf))) != 0)
        return rc;
    n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    slash = strrchr(buf, '/');
    if (strlen(slash + 1) >= namelen)
        return -ENAMETOOLONG;
    memcpy(name, slash + 1, strlen(slash + 1) + 1);
    if (slash == buf)
        slash[1] = '\0';
    else
        *slash = '\0';
    if ((rc = resolve(fs, fs->root, buf, 1, 0, dir)) != 0)
        return rc;
    if ((*dir)->type != VFS_DIR)
        return -ENOTDIR;
    return 0;
}

/* Which pseudo file system a node lives on: 'p' /proc, 's' /sys, 0 other. */
static int
pseudo_fs(const struct vfs_node *n)
{
    while (n->parent != n) {
        if (n->parent->parent == n->parent) {
            if (strcmp(n->name, "proc") == 0)
                return 'p';
            if (strcmp(n->name, "sys") == 0)
                return 's';
            return 0;
        }
        n = n->parent;
    }
    return 0;
}

int
vfs_can_write(const struct vfs_node *n, uint32_t uid)
{
    if (uid == 0)
        return 1;
    if (n->uid == uid)
        return (n->mode & 0200) != 0;
    return (n->mode & 0002) != 0;
}

int
vfs_can_read(const struct vfs_node *n, uint32_t uid)
{
    if (uid == 0)
        return 1;
    if (n->uid == uid)
        return (n->mode & 0400) != 0;
    return (n->mode & 0004) != 0;
}

/* Creating an entry in dir: the kernel's answers for /proc and /sys. */
static int
may_create(const struct vfs_node *dir, uint32_t uid)
{
    int p = pseudo_fs(dir);
    if (p == 'p')
        return -ENOENT;
    if (p == 's')
        return -EACCES;
    if (!vfs_can_write(dir, uid))
        return -EACCES;
    return 0;
}

int
vfs_open_write(struct vfs *fs, const char *cwd, const char *path,
               uint32_t uid, int append, int64_t now, struct vfs_node **out)
{
    struct vfs_node *dir, *f;
    char name[VFS_NAME_MAX + 1];
    int rc;

    if ((rc = vfs_lookup(fs, cwd, path, 1, &f)) == 0) {
        if (f->type == VFS_DIR)
            return -EISDIR;
        if (f->type == VFS_CHR) { /* /dev/null and friends swallow */
            *out = f;
            return 0;
        }
        if (pseudo_fs(f) == 'p' || pseudo_fs(f) == 's')
            return -EACCES;
        if (!vfs_can_write(f, uid))
            return -EACCES;
        if (!append) {
            if (f->owned) {
                fs->bytes -= AP_MIN(fs->bytes, f->size);
                free(f->owned);
                f->owned = NULL;
            }
            f->data = NULL;
            f->size = 0;
            f->gen = VFS_GEN_NONE;
        }
        f->mtime = now;
        *out = f;
        return 0;
    }
    if (rc != -ENOENT)
        return rc;
    if ((rc = parent_of(fs, cwd, path, &dir, name, sizeof(name))) != 0)
        return rc;
    if ((rc = may_create(dir, uid)) != 0)
        return rc;
    if ((f = vfs_add(fs, dir, name, VFS_FILE, 0644, uid, now)) == NULL)
        return -ENOSPC;
    *out = f;
    return 0;
}

int
vfs_append(struct vfs *fs, struct vfs_node *f, const void *p, size_t n)
{
    uint8_t *d;

    if (f->type == VFS_CHR || n == 0)
        return 0;
    if (f->type != VFS_FILE)
        return -EISDIR;
    if (n > AP_LIMIT_SH_FS_BYTES - fs->bytes)
        return -ENOSPC;
    if (f->owned == NULL) {
        /* copy on write: the image bytes are shared by every session */
        if (f->size > AP_LIMIT_SH_FS_BYTES - fs->bytes - n)
            return -ENOSPC;
        if ((d = malloc(f->size + n)) == NULL)
            return -ENOSPC;
        if (f->size)
            memcpy(d, f->data, f->size);
        fs->bytes += f->size;
    } else if ((d = realloc(f->owned, f->size + n)) == NULL) {
        return -ENOSPC;
    }
    memcpy(d + f->size, p, n);
    f->owned = d;
    f->data = d;
    f->size += n;
    fs->bytes += n;
    f->gen = VFS_GEN_NONE;
    return 0;
}

int
vfs_mkdir(struct vfs *fs, const char *cwd, const char *path, uint32_t uid,
          int64_t now)
{
    struct vfs_node *dir, *n;
    char name[VFS_NAME_MAX + 1];
    int rc;

    if (vfs_lookup(fs, cwd, path, 0, &n) == 0)
        return -EEXIST;
    if ((rc = parent_of(fs, cwd, path, &dir, name, sizeof(name))) != 0)
        return rc;
    if ((rc = may_create(dir, uid)) != 0)
        return rc;
    if (vfs_add(fs, dir, name, VFS_DIR, 0755, uid, now) == NULL)
        return -ENOSPC;
    return 0;
}

int
vfs_symlink(struct vfs *fs, const char *cwd, const char *target,
            const char *path, uint32_t uid, int64_t now)
{
    struct vfs_node *dir, *n;
    char name[VFS_NAME_MAX + 1];
    int rc;

    if (vfs_lookup(fs, cwd, path, 0, &n) == 0)
        return -EEXIST;
    if ((rc = parent_of(fs, cwd, path, &dir, name, sizeof(name))) != 0)
        return rc;
    if ((rc = may_create(dir, uid)) != 0)
        return rc;
    if ((n = vfs_add(fs, dir, name, VFS_LINK, 0777, uid, now)) == NULL)
        return -ENOSPC;
    if ((n->target = strdup(target)) == NULL)
        return -ENOSPC;
    return 0;
}

static void
unlink_node(struct vfs_node *n)
{
    struct vfs_node **pp;
    for (pp = &n->parent->child; *pp; pp = &(*pp)->sibling) {
        if (*pp == n) {
            *pp = n->sibling;
            break;
        }
    }
    n->sibling = NULL;
}

/* A node that is busy: the root, a mount point or anything in /proc,
 * /sys or /dev that the image holds. */
static int
protected_node(const struct vfs_node *n)
{
    return n->parent == n || pseudo_fs(n) != 0;
}

int
vfs_remove(struct vfs *fs, const char *cwd, const char *path, uint32_t uid,
           int recursive, int dir_only)
{
    struct vfs_node *n;
    int rc;

    if ((rc = vfs_lookup(fs, cwd, path, 0, &n)) != 0)
        return rc;
    if (dir_only && n->type != VFS_DIR)
        return -ENOTDIR;
    if (n->type == VFS_DIR && !recursive && !dir_only)
        return -EISDIR;
    if (n->type == VFS_DIR && dir_only && n->child)
        return -ENOTEMPTY;
    if (n->parent == n)
        return -EBUSY;
    if (protected_node(n))
        return -EPERM;
    if (!vfs_can_write(n->parent, uid))
        return -EACCES;
    unlink_node(n);
    node_free(fs, n);
    return 0;
}

int
vfs_rename(struct vfs *fs, const char *cwd, const char *from, const char *to,
           uint32_t uid)
{
    struct vfs_node *src, *dst, *dir, *p;
    char name[VFS_NAME_MAX + 1];
    char *nn;
    int rc;

    if ((rc = vfs_lookup(fs, cwd, from, 0, &src)) != 0)
        return rc;
    if (protected_node(src))
        return -EBUSY;
    if (!vfs_can_write(src->parent, uid))
        return -EACCES;
    if (vfs_lookup(fs, cwd, to, 1, &dst) == 0 && dst->type == VFS_DIR) {
        dir = dst;
        if (strlen(src->name) >= sizeof(name))
            return -ENAMETOOLONG;
        memcpy(name, src->name, strlen(src->name) + 1);
    } else if ((rc = parent_of(fs, cwd, to, &dir, name, sizeof(name))) !=
               0) {
        return rc;
    }
    if ((rc = may_create(dir, uid)) != 0)
        return rc;
    for (p = dir; p->parent != p; p = p->parent)
        if (p == src)
            return -EINVAL; /* into itself */
    if ((dst = child(dir, name, strlen(name))) != NULL) {
        if (dst == src)
            return 0;
        if (dst->type == VFS_DIR)
            return -EISDIR;
        unlink_node(dst);
        node_free(fs, dst);
    }
    if ((nn = strdup(name)) == NULL)
        return -ENOSPC;
    unlink_node(src);
    free(src->name);
    src->name = nn;
    /* re-insert sorted */
    {
        struct vfs_node **tail;
        for (tail = &dir->child; *tail && strcmp((*tail)->name, nn) < 0;
             tail = &(*tail)->sibling)
            ;
        src->sibling = *tail;
        *tail = src;
        src->parent = dir;
    }
    return 0;
}

void
vfs_path(const struct vfs_node *n, char *buf, size_t len)
{
    const struct vfs_node *stack[64];
    size_t depth = 0, off = 0;

    if (len == 0)
        return;
    while (n->parent != n && depth < AP_ARRAY_SIZE(stack)) {
        stack[depth++] = n;
        n = n->parent;
    }
    buf[0] = '\0';
    if (depth == 0) {
        snprintf(buf, len, "/");
        return;
    }
    while (depth > 0) {
        int w = snprintf(buf + off, len - off, "/%s", stack[--depth]->name);
        if (w < 0 || (size_t)w >= len - off)
            return;
        off += (size_t)w;
    }
}
