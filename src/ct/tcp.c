/*
 * TCP connection tracking, with the semantics of Linux's nf_conntrack TCP
 * tracker. A state table, indexed by direction, segment kind (SYN, SYN/ACK,
 * FIN, ACK, RST, none) and current state, moves the connection; a window
 * check keeps per direction the highest sequence number sent (td_end), the
 * highest one the peer allowed (td_maxend) and the largest window seen
 * (td_maxwin), scales windows only when both SYNs carried the Window Scale
 * option, and lets SACK blocks raise the acceptable acknowledgement. Segments
 * the state table marks as ignored pass without touching the state, so the
 * tracker can fall back in sync when the endpoints disagree with it. Liberal
 * mode accepts what fails the window check; loose mode picks connections up
 * from a mid-stream ACK. The checksum is verified only when the table's
 * configuration asks for it (nf_conntrack_checksum; off by default, since
 * captures carry offloaded checksums).
 */
#include <stdio.h>
#include <string.h>

#include "cur.h"
#include "l4.h"

/* Header flag bits in byte 13. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

/* RFC 7323 §2.3: shifts above 14 are treated as 14. */
#define TCP_MAX_WSCALE 14

/* An acknowledgement may lag the data seen by at most this much (or by the
 * sender's largest window when that is larger). */
#define TCP_MAXACKWIN_MIN 66000u

/* Segment kinds, the second index of the state table; stored in last_index. */
enum tcp_kind {
	K_SYN,
	K_SYNACK,
	K_FIN,
	K_ACK,
	K_RST,
	K_NONE,
	K_MAX,
};

/* Two pseudo states of the table: the packet is invalid / is let through
 * without changing anything. */
#define S_INV CT_TCP_MAX
#define S_IGN (CT_TCP_MAX + 1)

/*
 * Module-private bits, for want of fields in struct ct_tcp:
 * - TCP_F_SIMOPEN in seen[CT_DIR_ORIG].flags: both ends sent a SYN
 *   (simultaneous open), so an ACK from the reply side completes it too.
 * - When a SYN is let through as "ignored" (last_index K_SYN), last_ack holds
 *   its options (TCP_STASH_*), used when the SYN/ACK answering it shows the
 *   endpoints are in sync and the tracker takes the new connection over.
 */
#define TCP_F_SIMOPEN 0x80
#define TCP_F_KEEP (CT_TCP_F_BE_LIBERAL | TCP_F_SIMOPEN)
#define TCP_STASH_WSCALE_MASK 0x0fu
#define TCP_STASH_WSCALE 0x100u
#define TCP_STASH_SACK_PERM 0x200u
#define TCP_STASH_CHALLENGE 0x400u /* an ACK answering it is a challenge ACK */

struct tcp_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t flags;
	const uint8_t *opt; /* options, optlen bytes */
	size_t optlen;
	uint32_t paylen; /* bytes of data after the header */
};

enum tcp_verdict {
	V_ACCEPT,
	V_IGNORE,
	V_INVALID,
};

/* Linux's defaults, used for any timeout the configuration leaves at 0. */
static const uint32_t tcp_default_to[CT_TCP_MAX] = {
	[CT_TCP_SYN_SENT] = 120,
	[CT_TCP_SYN_RECV] = 60,
	[CT_TCP_ESTABLISHED] = 432000,
	[CT_TCP_FIN_WAIT] = 120,
	[CT_TCP_CLOSE_WAIT] = 60,
	[CT_TCP_LAST_ACK] = 30,
	[CT_TCP_TIME_WAIT] = 120,
	[CT_TCP_CLOSE] = 10,
	[CT_TCP_SYN_SENT2] = 120,
};
#define TCP_DEFAULT_RETRANS 300
#define TCP_DEFAULT_UNACK 300

#define sNO CT_TCP_NONE
#define sSS CT_TCP_SYN_SENT
#define sSR CT_TCP_SYN_RECV
#define sES CT_TCP_ESTABLISHED
#define sFW CT_TCP_FIN_WAIT
#define sCW CT_TCP_CLOSE_WAIT
#define sLA CT_TCP_LAST_ACK
#define sTW CT_TCP_TIME_WAIT
#define sCL CT_TCP_CLOSE
#define sS2 CT_TCP_SYN_SENT2
#define sIV S_INV
#define sIG S_IGN

/*
 * Next state by [direction][segment kind][current state]. The tracker sits in
 * the middle and guesses what the sender believes. Some points worth saying:
 * a SYN reopens a connection from TIME_WAIT/CLOSE; a second SYN (or SYN/ACK)
 * where the tracker thinks the connection is up is let through unchanged,
 * since either the tracker is out of date or the receiver will answer with a
 * RST; the first ACK of the originator after the SYN/ACK establishes; a reply
 * SYN after an original SYN is a simultaneous open (SYN_SENT2).
 */
static const uint8_t tcp_next[2][K_MAX][CT_TCP_MAX] = {
	[CT_DIR_ORIG] = {
		/*            NO   SS   SR   ES   FW   CW   LA   TW   CL   S2 */
		[K_SYN]    = { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
		[K_SYNACK] = { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
		[K_FIN]    = { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
		[K_ACK]    = { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
		[K_RST]    = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
		[K_NONE]   = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
	[CT_DIR_REPLY] = {
		/*            NO   SS   SR   ES   FW   CW   LA   TW   CL   S2 */
		[K_SYN]    = { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
		[K_SYNACK] = { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
		[K_FIN]    = { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
		[K_ACK]    = { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
		[K_RST]    = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
		[K_NONE]   = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
};

/* ---- sequence arithmetic (RFC 9293 §3.4, modulo 2^32) ---- */

static inline bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_after(uint32_t a, uint32_t b)
{
	return seq_before(b, a);
}

/* ---- parsing ---- */

/* Flag sets a TCP may send, PSH, ECE and CWR aside: a SYN (URG allowed),
 * SYN/ACK, RST with or without ACK, FIN/ACK (URG allowed), ACK (URG allowed).
 * Everything else (no flag, SYN+FIN, SYN+RST, FIN without ACK ...) is bogus. */
static bool tcp_flags_ok(uint8_t flags)
{
	switch (flags & ~(TH_PSH | TH_ECE | TH_CWR)) {
	case TH_SYN:
	case TH_SYN | TH_URG:
	case TH_SYN | TH_ACK:
	case TH_RST:
	case TH_RST | TH_ACK:
	case TH_FIN | TH_ACK:
	case TH_FIN | TH_ACK | TH_URG:
	case TH_ACK:
	case TH_ACK | TH_URG:
		return true;
	default:
		return false;
	}
}

/* Reads and checks the whole header (and the checksum when the table is
 * told to): 0, or -1 with why. */
static int tcp_seg_parse(const struct ct_table *t, const struct ct_pkt *p, struct tcp_seg *s,
			 const char **why)
{
	struct pkt_cur c;
	uint8_t off;
	size_t doff;

	if (p->l4off > p->len || p->l4len > p->len - p->l4off) {
		*why = "TCP segment beyond the packet";
		return -1;
	}
	pkt_cur_init(&c, p->b + p->l4off, p->l4len);
	if (pkt_cur_u16(&c, &s->sport) || pkt_cur_u16(&c, &s->dport) ||
	    pkt_cur_u32(&c, &s->seq) || pkt_cur_u32(&c, &s->ack) || pkt_cur_u8(&c, &off) ||
	    pkt_cur_u8(&c, &s->flags) || pkt_cur_u16(&c, &s->win) || pkt_cur_skip(&c, 4)) {
		*why = "TCP header truncated";
		return -1;
	}
	doff = (size_t)(off >> 4) * 4;
	if (doff < 20) {
		*why = "TCP data offset below 5";
		return -1;
	}
	if (doff > p->l4len) {
		*why = "TCP data offset beyond the segment";
		return -1;
	}
	s->opt = c.p;
	s->optlen = doff - 20;
	s->paylen = (uint32_t)(p->l4len - doff);
	if (!ct_pkt_csum_ok(t, p, p->l4len)) {
		*why = "bad TCP checksum";
		return -1;
	}
	if (!tcp_flags_ok(s->flags)) {
		*why = "invalid TCP flag combination";
		return -1;
	}
	return 0;
}

static enum tcp_kind tcp_kind_of(uint8_t flags)
{
	if (flags & TH_RST)
		return K_RST;
	if (flags & TH_SYN)
		return flags & TH_ACK ? K_SYNACK : K_SYN;
	if (flags & TH_FIN)
		return K_FIN;
	if (flags & TH_ACK)
		return K_ACK;
	return K_NONE;
}

/* Sequence number just past the segment: SYN and FIN count as one each. */
static uint32_t tcp_seg_end(const struct tcp_seg *s)
{
	return s->seq + s->paylen + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
}

/*
 * Walks the options. fn is called for each option with a length byte
 * (kind, body, body length); parsing stops at End of Option List and at a
 * malformed length, keeping what was read before it.
 */
static void tcp_opts_walk(const struct tcp_seg *s,
			  bool (*fn)(uint8_t kind, struct pkt_cur *body, void *arg), void *arg)
{
	struct pkt_cur c, body;
	uint8_t kind, len;

	pkt_cur_init(&c, s->opt, s->optlen);
	while (!pkt_cur_u8(&c, &kind)) {
		if (kind == 0)
			return;
		if (kind == 1)
			continue;
		if (pkt_cur_u8(&c, &len) || len < 2)
			return;
		if (pkt_cur_sub(&c, len - 2u, &body))
			return;
		if (!fn(kind, &body, arg))
			return;
	}
}

struct tcp_synopts {
	uint8_t flags; /* CT_TCP_F_WINDOW_SCALE, CT_TCP_F_SACK_PERM */
	uint8_t wscale;
};

static bool tcp_synopt_one(uint8_t kind, struct pkt_cur *body, void *arg)
{
	struct tcp_synopts *o = arg;
	uint8_t v;

	if (kind == 4 && pkt_cur_left(body) == 0) {
		o->flags |= CT_TCP_F_SACK_PERM;
	} else if (kind == 3 && pkt_cur_left(body) == 1 && !pkt_cur_u8(body, &v)) {
		o->wscale = v > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : v;
		o->flags |= CT_TCP_F_WINDOW_SCALE;
	}
	return true;
}

static void tcp_synopts_read(const struct tcp_seg *s, struct tcp_synopts *o)
{
	memset(o, 0, sizeof(*o));
	tcp_opts_walk(s, tcp_synopt_one, o);
}

/* Takes a SYN's options into one direction's record. */
static void tcp_synopts_apply(struct ct_tcp_dir *d, const struct tcp_seg *s)
{
	struct tcp_synopts o;

	tcp_synopts_read(s, &o);
	d->flags = (uint8_t)((d->flags & TCP_F_KEEP) | o.flags);
	d->td_scale = o.wscale;
}

static bool tcp_sack_one(uint8_t kind, struct pkt_cur *body, void *arg)
{
	uint32_t *sack = arg, left, right;
	size_t n = pkt_cur_left(body);

	if (kind != 5)
		return true;
	/* RFC 2018: one or more blocks of two edges; the right edges count. */
	if (n < 8 || n % 8)
		return true;
	while (!pkt_cur_u32(body, &left) && !pkt_cur_u32(body, &right))
		if (seq_after(right, *sack))
			*sack = right;
	return false;
}

/* ---- configuration ---- */

static uint32_t tcp_to_state(const struct ct_config *c, unsigned state)
{
	if (state >= CT_TCP_MAX)
		return 0;
	return c->to.tcp[state] ? c->to.tcp[state] : tcp_default_to[state];
}

static uint32_t tcp_to_retrans(const struct ct_config *c)
{
	return c->to.tcp_retrans ? c->to.tcp_retrans : TCP_DEFAULT_RETRANS;
}

static uint32_t tcp_to_unack(const struct ct_config *c)
{
	return c->to.tcp_unack ? c->to.tcp_unack : TCP_DEFAULT_UNACK;
}

/* ---- window tracking ---- */

/* A SYN (or the SYN/ACK) starts the sender's record. Window scaling holds
 * only when both ends offered it, which is known with the reply's SYN. */
static void tcp_sender_init(struct ct_tcp_dir *snd, struct ct_tcp_dir *rcv, const struct tcp_seg *s,
			    uint32_t end, enum ct_dir dir)
{
	snd->td_end = end;
	snd->td_maxend = end;
	snd->td_maxwin = s->win ? s->win : 1;
	tcp_synopts_apply(snd, s);
	if (dir == CT_DIR_REPLY &&
	    !((snd->flags & CT_TCP_F_WINDOW_SCALE) && (rcv->flags & CT_TCP_F_WINDOW_SCALE))) {
		snd->td_scale = 0;
		rcv->td_scale = 0;
	}
}

static enum tcp_verdict tcp_window_fail(const struct ct_config *cfg, const struct ct_tcp_dir *snd,
					enum tcp_verdict v, const char *msg, const char **why)
{
	if ((snd->flags & CT_TCP_F_BE_LIBERAL) || cfg->tcp_liberal)
		return V_ACCEPT;
	*why = msg;
	return v;
}

/*
 * The window check, after RFC 793's acceptability test seen from the middle.
 * With sender S and receiver R of this segment:
 *   seq <= S.td_maxend                          (not beyond what R allowed)
 *   end >= S.td_end - R.td_maxwin               (not older than a window)
 *   sack <= R.td_end                            (acks only data R sent)
 *   sack >= R.td_end - max(S.td_maxwin, 66000)  (not an ancient ack)
 * where sack is the ack number raised to the highest SACK right edge.
 */
static enum tcp_verdict tcp_window(const struct ct_config *cfg, struct ct_tcp *st,
				   const struct tcp_seg *s, enum ct_dir dir, enum tcp_kind kind,
				   const char **why)
{
	struct ct_tcp_dir *snd = &st->seen[dir], *rcv = &st->seen[!dir];
	uint32_t seq = s->seq, ack = s->ack, sack = s->ack, end = tcp_seg_end(s);
	uint32_t win = s->win, swin, maxackwin;
	bool syn = s->flags & TH_SYN, ackf = s->flags & TH_ACK;

	if (rcv->flags & CT_TCP_F_SACK_PERM)
		tcp_opts_walk(s, tcp_sack_one, &sack);

	if (snd->td_maxwin == 0) {
		if (syn) {
			tcp_sender_init(snd, rcv, s, end, dir);
			if (!ackf)
				return V_ACCEPT; /* the peer's SYN in a simultaneous open */
		} else {
			/* First segment this way in mid-stream: believe it. */
			snd->td_end = end;
			swin = win << snd->td_scale;
			snd->td_maxwin = swin ? swin : 1;
			snd->td_maxend = end + snd->td_maxwin;
			if (rcv->td_maxwin == 0) {
				/* Nothing from the other side yet: let the
				 * ack checks pass until it speaks. */
				rcv->td_end = sack;
				rcv->td_maxend = sack;
			} else if (sack == rcv->td_end + 1) {
				/* Answer to a keepalive probing one byte back. */
				rcv->td_end++;
			}
		}
	} else if (syn && seq_after(end, snd->td_end) &&
		   (st->state == CT_TCP_SYN_SENT || st->state == CT_TCP_SYN_RECV)) {
		/* A new SYN with a higher sequence number (RFC 9293 §3.4.1:
		 * a restarted TCP picks numbers above those used): start over
		 * for this side, its options may have changed too. */
		tcp_sender_init(snd, rcv, s, end, dir);
		if (dir == CT_DIR_REPLY && !ackf)
			return V_ACCEPT;
	}

	if (!ackf || ((s->flags & TH_RST) && ack == 0)) {
		/* No ack to check (or a RST with a zero ack, which some stacks
		 * send): take it as acking all that was seen. */
		ack = sack = rcv->td_end;
	}

	if ((s->flags & TH_RST) && seq == 0 && st->state == CT_TCP_SYN_SENT) {
		/* A RST answering the SYN, sequence 0 as RFC 9293 §3.10.7.1 says. */
		seq = end = snd->td_end;
	}

	maxackwin = snd->td_maxwin > TCP_MAXACKWIN_MIN ? snd->td_maxwin : TCP_MAXACKWIN_MIN;

	if (seq_after(seq, snd->td_maxend)) {
		uint32_t overshot = end - snd->td_maxend + 1;
		bool in_rwin = rcv->td_maxwin && seq_after(end, snd->td_end - rcv->td_maxwin - 1);
		bool ack_ok = seq_after(sack, rcv->td_end - maxackwin - 1);

		if (in_rwin && ack_ok && overshot <= rcv->td_maxwin &&
		    !seq_after(sack, rcv->td_end)) {
			/* A sender that overruns the window a little: keep the
			 * end so the receiver's ack of it is not refused. */
			snd->td_end = end;
			snd->flags |= CT_TCP_F_DATA_UNACK;
			return tcp_window_fail(cfg, snd, V_IGNORE,
					       "TCP data beyond the receiver's window", why);
		}
		return tcp_window_fail(cfg, snd, V_INVALID,
				       "TCP SEQ above the window (beyond what the receiver allowed)",
				       why);
	}
	if (seq_after(sack, rcv->td_end))
		return tcp_window_fail(cfg, snd, V_INVALID,
				       "TCP ACK above the upper bound (acks data not seen)", why);
	if (rcv->td_maxwin && !seq_after(end, snd->td_end - rcv->td_maxwin - 1))
		return tcp_window_fail(cfg, snd, V_IGNORE,
				       "TCP SEQ below the window (old data retransmitted)", why);
	if (!seq_after(sack, rcv->td_end - maxackwin - 1))
		return tcp_window_fail(cfg, snd, V_IGNORE,
				       "TCP ACK below the lower bound (delayed too long)", why);

	/* The window field of a SYN is never scaled (RFC 7323 §2.2). */
	if (!syn)
		win <<= snd->td_scale;

	swin = win + (sack - ack);
	if (snd->td_maxwin < swin)
		snd->td_maxwin = swin;
	if (seq_after(end, snd->td_end)) {
		snd->td_end = end;
		snd->flags |= CT_TCP_F_DATA_UNACK;
	}
	if (ackf)
		snd->flags |= CT_TCP_F_MAXACK_SET;

	if (rcv->td_maxwin != 0 && seq_after(end, snd->td_maxend))
		rcv->td_maxwin += end - snd->td_maxend;
	if (seq_after(sack + win, rcv->td_maxend - 1)) {
		rcv->td_maxend = sack + win;
		if (win == 0)
			rcv->td_maxend++;
	}
	if (ack == rcv->td_end)
		rcv->flags &= (uint8_t)~CT_TCP_F_DATA_UNACK;

	/* The same pure ACK again, same direction: a retransmission. */
	if (kind == K_ACK) {
		if (st->last_dir == dir && st->last_seq == seq && st->last_ack == ack &&
		    st->last_end == end && st->last_win == s->win) {
			if (st->retrans < UINT8_MAX)
				st->retrans++;
		} else {
			st->last_dir = (uint8_t)dir;
			st->last_seq = seq;
			st->last_ack = ack;
			st->last_end = end;
			st->last_win = s->win;
			st->retrans = 0;
		}
	}
	return V_ACCEPT;
}

/* ---- the l4 hooks ---- */

static int tcp_tuple(struct ct_pkt *p, const char **why)
{
	struct pkt_cur c;

	if (p->l4off > p->len || p->l4len > p->len - p->l4off) {
		*why = "TCP segment beyond the packet";
		return -1;
	}
	/* The ports are enough: an ICMP error may quote only 8 bytes. */
	pkt_cur_init(&c, p->b + p->l4off, p->l4len);
	if (pkt_cur_u16(&c, &p->t.sport) || pkt_cur_u16(&c, &p->t.dport)) {
		*why = "TCP header truncated";
		return -1;
	}
	p->t.type = 0;
	p->t.code = 0;
	return 0;
}

static bool tcp_invert(const struct ct_tuple *orig, struct ct_tuple *reply)
{
	*reply = *orig;
	reply->src = orig->dst;
	reply->dst = orig->src;
	reply->sport = orig->dport;
	reply->dport = orig->sport;
	return true;
}

static int tcp_create(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
		      const char **why)
{
	const struct ct_config *cfg = ct_table_config(t);
	struct ct_tcp *st = &e->p.tcp;
	struct tcp_seg s;
	unsigned next;

	if (tcp_seg_parse(t, p, &s, why))
		return -1;
	next = tcp_next[CT_DIR_ORIG][tcp_kind_of(s.flags)][CT_TCP_NONE];
	if (next == S_INV) {
		*why = "TCP segment cannot start a connection";
		return -1;
	}
	if (next != CT_TCP_SYN_SENT && !cfg->tcp_loose) {
		*why = "TCP connection not started by a SYN (loose pickup off)";
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->seen[0].td_end = tcp_seg_end(&s);
	st->seen[0].td_maxwin = s.win ? s.win : 1;
	if (next == CT_TCP_SYN_SENT) {
		st->seen[0].td_maxend = st->seen[0].td_end;
		tcp_synopts_apply(&st->seen[0], &s);
	} else {
		/* Picked up mid-stream: the options of the SYNs are lost, so
		 * assume SACK and skip window checks, as scaling is unknown. */
		st->seen[0].td_maxend = st->seen[0].td_end + st->seen[0].td_maxwin;
		st->seen[0].flags = CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL;
		st->seen[1].flags = CT_TCP_F_SACK_PERM | CT_TCP_F_BE_LIBERAL;
	}
	st->last_index = K_NONE;
	return 0;
}

/* Notes what an ignored segment was, so that the answer to it can be
 * recognised: a SYN/ACK acking an ignored SYN, a RST answering it. */
static void tcp_note_ignored(struct ct_tcp *st, const struct tcp_seg *s, enum ct_dir dir,
			     enum tcp_kind kind, unsigned old)
{
	st->last_index = (uint8_t)kind;
	st->last_dir = (uint8_t)dir;
	st->last_seq = s->seq;
	st->last_end = tcp_seg_end(s);
	st->last_win = s->win;
	if (kind == K_SYN) {
		struct tcp_synopts o;
		uint32_t stash = 0;

		tcp_synopts_read(s, &o);
		if (o.flags & CT_TCP_F_WINDOW_SCALE)
			stash |= TCP_STASH_WSCALE | o.wscale;
		if (o.flags & CT_TCP_F_SACK_PERM)
			stash |= TCP_STASH_SACK_PERM;
		/* RFC 5961 §4: a SYN on a live connection draws a challenge
		 * ACK, which in LAST_ACK must not pass for the last ACK. */
		if (dir == CT_DIR_ORIG && old == CT_TCP_LAST_ACK)
			stash |= TCP_STASH_CHALLENGE;
		st->last_ack = stash;
		if (dir == CT_DIR_ORIG)
			st->seen[CT_DIR_ORIG].flags &= (uint8_t)~TCP_F_SIMOPEN;
	}
	/* An ACK from the responder to our SYN may be a challenge ACK: a RST
	 * from the originator will carry its ack number as sequence. */
	if (old == CT_TCP_SYN_SENT && kind == K_ACK && dir == CT_DIR_REPLY)
		st->last_ack = s->ack;
}

/* The SYN/ACK acks a SYN ignored earlier: both ends are in sync with each
 * other but not with us. Take the connection over from the noted SYN. */
static void tcp_resync(struct ct_tcp *st, enum ct_dir dir)
{
	struct ct_tcp_dir *o = &st->seen[st->last_dir], *r = &st->seen[dir];
	uint32_t stash = st->last_ack;

	o->td_end = st->last_end;
	o->td_maxend = st->last_end;
	o->td_maxwin = st->last_win ? st->last_win : 1;
	o->td_scale = (stash & TCP_STASH_WSCALE) ? (uint8_t)(stash & TCP_STASH_WSCALE_MASK) : 0;
	o->flags = (uint8_t)((o->flags & TCP_F_KEEP) |
			     ((stash & TCP_STASH_WSCALE) ? CT_TCP_F_WINDOW_SCALE : 0) |
			     ((stash & TCP_STASH_SACK_PERM) ? CT_TCP_F_SACK_PERM : 0));
	st->last_ack = stash & ~TCP_STASH_CHALLENGE;
	r->td_end = 0;
	r->td_maxend = 0;
	r->td_maxwin = 0;
	r->td_scale = 0;
	r->flags &= TCP_F_KEEP;
}

/* In these states the connection is closing and a RST needs no checks: the
 * tuple may already be reused by the endpoints. */
static bool tcp_closing(unsigned state)
{
	switch (state) {
	case CT_TCP_FIN_WAIT:
	case CT_TCP_CLOSE_WAIT:
	case CT_TCP_LAST_ACK:
	case CT_TCP_TIME_WAIT:
	case CT_TCP_CLOSE:
		return true;
	default:
		return false;
	}
}

/* An assured connection whose FIN or RST failed the window check from both
 * sides in turn is probably dead to the endpoints: shorten its life to the
 * unack timeout (when it has more than two minutes left). */
static uint32_t tcp_invalid_timeout(const struct ct_config *cfg, struct ct_entry *e,
				    const struct ct_pkt *p, enum ct_dir dir, enum tcp_kind kind)
{
	struct ct_tcp *st = &e->p.tcp;
	uint32_t left, unack = tcp_to_unack(cfg);

	if (!(e->status & CT_S_ASSURED) || (kind != K_RST && kind != K_FIN))
		return CT_TIMEOUT_KEEP;
	if (st->last_dir != dir && (st->last_index == K_FIN || st->last_index == K_RST)) {
		left = ct_entry_timeout(e, p->now);
		return left >= 120 && left > unack ? unack : CT_TIMEOUT_KEEP;
	}
	st->last_index = (uint8_t)kind;
	st->last_dir = (uint8_t)dir;
	return CT_TIMEOUT_KEEP;
}

static enum ct_info tcp_packet(struct ct_table *t, struct ct_entry *e, const struct ct_pkt *p,
			       enum ct_dir dir, uint32_t *timeout, bool *kill, const char **why)
{
	const struct ct_config *cfg = ct_table_config(t);
	struct ct_tcp *st = &e->p.tcp;
	struct tcp_seg s;
	enum tcp_kind kind;
	unsigned old, next;
	uint32_t to, tonext;

	*kill = false;
	*timeout = CT_TIMEOUT_KEEP;
	if (tcp_seg_parse(t, p, &s, why))
		return CT_INVALID;
	if (dir != CT_DIR_ORIG && dir != CT_DIR_REPLY) {
		*why = "bad direction";
		return CT_INVALID;
	}
	old = st->state < CT_TCP_MAX ? st->state : CT_TCP_NONE;
	kind = tcp_kind_of(s.flags);
	next = tcp_next[dir][kind][old];

	switch (next) {
	case CT_TCP_SYN_SENT:
		if (old < CT_TCP_TIME_WAIT)
			break;
		/* A SYN on a closed or closing connection (RFC 9293 §3.10.7.4
		 * lets TIME-WAIT accept it): when the close was seen, or the
		 * sender itself reset it, this is a new connection. */
		if (((st->seen[dir].flags | st->seen[!dir].flags) & CT_TCP_F_CLOSE_INIT) ||
		    (st->last_dir == dir && st->last_index == K_RST)) {
			*kill = true;
			*why = "TCP SYN reopens a closed connection";
			return CT_NEW;
		}
		/* Otherwise we may have missed something: let it through. */
		/* fall through */
	case S_IGN:
		if (kind == K_SYNACK && st->last_index == K_SYN && st->last_dir != dir &&
		    s.ack == st->last_end) {
			tcp_resync(st, dir);
			old = CT_TCP_SYN_SENT;
			next = CT_TCP_SYN_RECV;
			break;
		}
		tcp_note_ignored(st, &s, dir, kind, old);
		*why = "TCP segment ignored (tracker possibly out of sync)";
		return CT_ESTABLISHED;
	case S_INV:
		*why = "TCP segment invalid in this state";
		return CT_INVALID;
	case CT_TCP_TIME_WAIT:
		if (old == CT_TCP_LAST_ACK && kind == K_ACK && st->last_dir != dir &&
		    st->last_index == K_SYN && (st->last_ack & TCP_STASH_CHALLENGE)) {
			st->last_ack &= ~TCP_STASH_CHALLENGE;
			*why = "TCP challenge ACK ignored";
			return CT_ESTABLISHED;
		}
		break;
	case CT_TCP_SYN_SENT2:
		st->seen[CT_DIR_ORIG].flags |= TCP_F_SIMOPEN;
		break;
	case CT_TCP_SYN_RECV:
		if (dir == CT_DIR_REPLY && kind == K_ACK &&
		    (st->seen[CT_DIR_ORIG].flags & TCP_F_SIMOPEN))
			next = CT_TCP_ESTABLISHED;
		break;
	case CT_TCP_CLOSE:
		if (kind != K_RST)
			break;
		if (tcp_closing(old))
			goto in_window;
		/* A RST answering a segment we let through unchecked (an
		 * ignored SYN, or an ACK of a half-open connection). */
		if ((((e->status & CT_S_SEEN_REPLY) && st->last_index == K_SYN) ||
		     (!(e->status & CT_S_ASSURED) && st->last_index == K_ACK)) &&
		    s.ack == st->last_end)
			goto in_window;
		/* A RST answering the challenge ACK to our SYN. */
		if (old == CT_TCP_SYN_SENT && st->last_index == K_ACK &&
		    st->last_dir == CT_DIR_REPLY && s.seq == st->last_ack)
			goto in_window;
		break;
	default:
		break;
	}

	switch (tcp_window(cfg, st, &s, dir, kind, why)) {
	case V_IGNORE:
		return CT_ESTABLISHED;
	case V_INVALID:
		*timeout = tcp_invalid_timeout(cfg, e, p, dir, kind);
		return CT_INVALID;
	case V_ACCEPT:
		break;
	}

in_window:
	st->last_index = (uint8_t)kind;
	st->last_dir = (uint8_t)dir;
	st->state = (uint8_t)next;
	if (old != next && next == CT_TCP_FIN_WAIT)
		st->seen[dir].flags |= CT_TCP_F_CLOSE_INIT;

	tonext = tcp_to_state(cfg, next);
	if (st->retrans >= cfg->tcp_max_retrans && tonext > tcp_to_retrans(cfg))
		to = tcp_to_retrans(cfg);
	else if (kind == K_RST)
		to = tcp_to_state(cfg, CT_TCP_CLOSE);
	else if (((st->seen[0].flags | st->seen[1].flags) & CT_TCP_F_DATA_UNACK) &&
		 tonext > tcp_to_unack(cfg))
		to = tcp_to_unack(cfg);
	else if (st->last_win == 0 && tonext > tcp_to_retrans(cfg))
		to = tcp_to_retrans(cfg);
	else
		to = tonext;

	if (!(e->status & CT_S_SEEN_REPLY)) {
		/* Nothing came back yet. A RST then ends it at once; SYN
		 * retransmissions do not extend it (else a port reused
		 * again and again would keep it forever); a picked up
		 * connection gets no long ESTABLISHED life until answered. */
		if (s.flags & TH_RST) {
			*kill = true;
			*timeout = to;
			*why = "TCP RST before any reply";
			return CT_ESTABLISHED;
		}
		if (kind == K_SYN && old == CT_TCP_SYN_SENT)
			return CT_ESTABLISHED;
		if (next == CT_TCP_ESTABLISHED && to > tcp_to_unack(cfg))
			to = tcp_to_unack(cfg);
	} else if (!(e->status & CT_S_ASSURED) &&
		   (old == CT_TCP_SYN_RECV || old == CT_TCP_ESTABLISHED) &&
		   next == CT_TCP_ESTABLISHED) {
		/* The handshake completed (or a picked up connection got a
		 * valid answer): the connection is worth keeping. */
		e->status |= CT_S_ASSURED;
	}
	*timeout = to;
	return CT_ESTABLISHED;
}

static int tcp_print_state(const struct ct_entry *e, char *out, size_t n)
{
	return snprintf(out, n, "%s ", ct_tcp_state_name(e->p.tcp.state));
}

const struct ct_l4proto ct_l4_tcp = {
	.proto = 6,
	.name = "tcp",
	.tuple = tcp_tuple,
	.invert = tcp_invert,
	.create = tcp_create,
	.packet = tcp_packet,
	.print_state = tcp_print_state,
};
