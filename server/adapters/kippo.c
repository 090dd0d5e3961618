/*
 * kippo.sessions: the old shape (peerIP, loggedin, credentials, version,
 * ttylog; no session id, no times) and the newer one cowrie inherited
 * (session, startTime/endTime in local time without zone, commands ...).
 * Both go through the cowrie session code.
 */
#include "adapt.h"
#include "ap/common.h"

int
ad_kippo_sessions(struct ad_ctx *c)
{
    return ad_ssh_session(c, "kippo");
}
