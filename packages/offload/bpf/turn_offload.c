// SPDX-License-Identifier: (MIT OR GPL-2.0)
// TURN ChannelData relaying in the kernel (TC clsact ingress). Two directions, one program:
//  - client → peer: a UDP datagram to a listener port whose (client IP, client port, listener port,
//    channel) is in `chan_map` and whose ChannelData length matches the datagram exactly loses its
//    4-byte header (RFC 8656 §12.4) and leaves from the relay address to the peer;
//  - peer → client: a UDP datagram to a relay port from a (peer IP, peer port) in `peer_map` gets the
//    header added (RFC 8656 §12.5) and leaves from the listener address to the client.
// Everything else (STUN, Send/Data, padded ChannelData, fragments, IP options, GSO, IPv6) goes on to
// userspace unchanged (TC_ACT_OK). The maps are written by stunnerd only for admitted peers.
//
// The payload is moved with load/store rather than bpf_skb_adjust_room: adjust_room moves the UDP
// header but not csum_start, which corrupts CHECKSUM_PARTIAL packets (what a veth peer in another
// namespace sends). Moving the payload by 4 bytes keeps the 16-bit checksum sum unchanged; only the
// header fields and the 4 channel-header bytes are folded in, through bpf_l4_csum_replace, which
// treats CHECKSUM_PARTIAL (pseudo-header only) and complete checksums (everything) correctly.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define MAX_ENTRIES 65536
#define MAX_PAYLOAD 1536 /* larger datagrams go to userspace */
#define SCRATCH 2048     /* a power of two above MAX_PAYLOAD: the verifier's bound is the mask */
#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define UDP_CSUM_OFF (ETH_HLEN + sizeof(struct iphdr) + offsetof(struct udphdr, check))
#define PSEUDO (BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0)

struct chan_key {
	__u32 client_ip;    /* network order */
	__u16 client_port;  /* network order */
	__u16 listen_port;  /* network order */
	__u16 channel;      /* host order */
	__u16 pad;
};

struct chan_val {
	__u32 peer_ip;
	__u32 relay_ip;
	__u16 peer_port;
	__u16 relay_port;
	__u32 ifindex;      /* egress towards the peer */
	__u32 slot;         /* index into stats_map */
};

/* No relay address in the key: relay sockets are bound to the wildcard address, so userspace takes a
 * peer's datagram at any local address of the relay port too. */
struct peer_key {
	__u32 peer_ip;
	__u16 peer_port;
	__u16 relay_port;
};

struct peer_val {
	__u32 client_ip;
	__u16 client_port;
	__u16 listen_port;
	__u16 channel;      /* host order */
	__u16 pad;
	__u32 slot;
};

/* Per binding; the client-side fields are learned from the client's own ChannelData. */
struct slot_stats {
	__u64 to_peer_packets;
	__u64 to_peer_bytes;
	__u64 to_client_packets;
	__u64 to_client_bytes;
	__u64 last_seen_ns;
	__u32 client_ifindex;
	__u32 listen_ip;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct chan_key);
	__type(value, struct chan_val);
} turn_chan_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct peer_key);
	__type(value, struct peer_val);
} turn_peer_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct slot_stats);
} turn_stats_map SEC(".maps");

/* One payload's worth of scratch space per CPU: the move below is then one load and one store. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[SCRATCH]);
} turn_scratch SEC(".maps");

/* Moves `len` payload bytes from `from` to `to` (4 bytes apart, overlapping) through the scratch buffer. */
static __always_inline int move_payload(struct __sk_buff *skb, __u32 from, __u32 to, __u32 len)
{
	__u32 zero = 0;
	__u8 *buf = bpf_map_lookup_elem(&turn_scratch, &zero);
	if (!buf)
		return -1;
	if (len == 0 || len > MAX_PAYLOAD)
		return -1;
	asm volatile("" : "+r"(len));
	len &= SCRATCH - 1;
	if (len == 0)
		return -1;
	if (bpf_skb_load_bytes(skb, from, buf, len) < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, to, buf, len, 0) < 0)
		return -1;
	return 0;
}

/*
 * Rewrites addresses, ports and lengths of the IPv4/UDP headers. The checksum changes are summed with
 * bpf_csum_diff and applied once per checksum: the pseudo-header part (addresses, UDP length) with
 * BPF_F_PSEUDO_HDR, the UDP header and channel-header part without, which is what CHECKSUM_PARTIAL
 * packets need (their payload sum is computed later, over the bytes as they then are).
 */
static __always_inline int rewrite(struct __sk_buff *skb, __u32 saddr, __u32 daddr, __u16 sport, __u16 dport,
				   __u32 old_saddr, __u32 old_daddr, __u16 old_sport, __u16 old_dport,
				   __u16 old_iplen, __u16 new_iplen, __u16 old_udplen, __u16 new_udplen,
				   __u32 chan_old, __u32 chan_new)
{
	const __u32 ip = ETH_HLEN;
	const __u32 udp = ETH_HLEN + sizeof(struct iphdr);
	__be16 nil = bpf_htons(new_iplen);
	__be32 pfrom[3] = {old_saddr, old_daddr, bpf_htons(old_udplen)};
	__be32 pto[3] = {saddr, daddr, bpf_htons(new_udplen)};
	__be16 ufrom16[6] = {old_sport, old_dport, bpf_htons(old_udplen), 0, 0, 0};
	__be16 uto16[6] = {sport, dport, bpf_htons(new_udplen), 0, 0, 0};
	__builtin_memcpy(&ufrom16[4], &chan_old, 4);
	__builtin_memcpy(&uto16[4], &chan_new, 4);
	__be16 ifrom[4] = {bpf_htons(old_iplen), 0};
	__be16 ito[4] = {nil, 0};
	__be32 ip_from[3], ip_to[3];
	__builtin_memcpy(&ip_from[0], ifrom, 4);
	__builtin_memcpy(&ip_to[0], ito, 4);
	ip_from[1] = old_saddr;
	ip_from[2] = old_daddr;
	ip_to[1] = saddr;
	ip_to[2] = daddr;

	__s64 pdiff = bpf_csum_diff(pfrom, sizeof(pfrom), pto, sizeof(pto), 0);
	__s64 udiff = bpf_csum_diff((__be32 *)ufrom16, sizeof(ufrom16), (__be32 *)uto16, sizeof(uto16), 0);
	__s64 idiff = bpf_csum_diff(ip_from, sizeof(ip_from), ip_to, sizeof(ip_to), 0);
	if (pdiff < 0 || udiff < 0 || idiff < 0)
		return -1;
	if (bpf_l4_csum_replace(skb, UDP_CSUM_OFF, 0, pdiff, PSEUDO) < 0 ||
	    bpf_l4_csum_replace(skb, UDP_CSUM_OFF, 0, udiff, BPF_F_MARK_MANGLED_0) < 0 ||
	    bpf_l3_csum_replace(skb, IP_CSUM_OFF, 0, idiff, 0) < 0)
		return -1;

	__be32 addrs[2] = {saddr, daddr};
	__be16 uh[3] = {sport, dport, bpf_htons(new_udplen)};
	if (bpf_skb_store_bytes(skb, ip + offsetof(struct iphdr, tot_len), &nil, 2, 0) < 0 ||
	    bpf_skb_store_bytes(skb, ip + offsetof(struct iphdr, saddr), addrs, 8, 0) < 0 ||
	    bpf_skb_store_bytes(skb, udp, uh, 6, 0) < 0)
		return -1;
	return 0;
}

SEC("tc")
int turn_offload(struct __sk_buff *skb)
{
	if (skb->protocol != bpf_htons(ETH_P_IP) || skb->gso_segs > 1)
		return TC_ACT_OK;
	const __u32 hdrs = ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr);
	if (bpf_skb_pull_data(skb, hdrs + 4) < 0)
		return TC_ACT_OK;
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + ETH_HLEN;
	struct udphdr *uh = data + ETH_HLEN + sizeof(struct iphdr);
	__u8 *ch = data + hdrs;
	if ((void *)(ch + 4) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || iph->ihl != 5 || iph->protocol != IPPROTO_UDP ||
	    (iph->frag_off & bpf_htons(0x3fff)) != 0)
		return TC_ACT_OK;

	__u32 saddr = iph->saddr, daddr = iph->daddr;
	__u16 sport = uh->source, dport = uh->dest;
	__u16 iplen = bpf_ntohs(iph->tot_len), udplen = bpf_ntohs(uh->len);
	if (udplen < sizeof(struct udphdr) + 4 || udplen > 8 + 4 + MAX_PAYLOAD ||
	    iplen != udplen + sizeof(struct iphdr) ||
	    skb->len != (__u32)ETH_HLEN + iplen)
		return TC_ACT_OK;
	__u32 payload = udplen - sizeof(struct udphdr);
	__u64 now = bpf_ktime_get_ns();

	/* client → peer: ChannelData with a bound channel (RFC 8656 §12.4: first two bits 0b01). */
	__u16 channel = ((__u16)ch[0] << 8) | ch[1];
	__u16 chlen = ((__u16)ch[2] << 8) | ch[3];
	if (channel >= 0x4000 && channel <= 0x7FFF && chlen + 4 == payload) {
		struct chan_key ck = {.client_ip = saddr, .client_port = sport, .listen_port = dport, .channel = channel};
		struct chan_val *cv = bpf_map_lookup_elem(&turn_chan_map, &ck);
		if (cv) {
			__u32 chword;
			__builtin_memcpy(&chword, ch, 4);
			struct chan_val v = *cv;
			if (move_payload(skb, hdrs + 4, hdrs, chlen) < 0)
				return TC_ACT_OK;
			if (bpf_skb_change_tail(skb, skb->len - 4, 0) < 0)
				return TC_ACT_SHOT;
			if (rewrite(skb, v.relay_ip, v.peer_ip, v.relay_port, v.peer_port, saddr, daddr, sport, dport,
				    iplen, iplen - 4, udplen, udplen - 4, chword, 0) < 0)
				return TC_ACT_SHOT;
			struct slot_stats *st = bpf_map_lookup_elem(&turn_stats_map, &v.slot);
			if (st) {
				__sync_fetch_and_add(&st->to_peer_packets, 1);
				__sync_fetch_and_add(&st->to_peer_bytes, chlen);
				st->last_seen_ns = now;
				if (st->client_ifindex != skb->ingress_ifindex)
					st->client_ifindex = skb->ingress_ifindex;
				if (st->listen_ip != daddr)
					st->listen_ip = daddr;
			}
			return bpf_redirect_neigh(v.ifindex, NULL, 0, 0);
		}
	}

	/* peer → client: a datagram to a relay port from a peer with a bound channel. */
	struct peer_key pk = {.peer_ip = saddr, .peer_port = sport, .relay_port = dport};
	struct peer_val *pv = bpf_map_lookup_elem(&turn_peer_map, &pk);
	if (!pv)
		return TC_ACT_OK;
	struct peer_val v = *pv;
	struct slot_stats *st = bpf_map_lookup_elem(&turn_stats_map, &v.slot);
	/* Until the client has sent ChannelData its interface and our address to it are unknown. */
	if (!st || st->client_ifindex == 0 || st->listen_ip == 0 || payload > 0xFFFF - 4)
		return TC_ACT_OK;
	__u32 ifindex = st->client_ifindex, listen_ip = st->listen_ip;
	__u32 mtu = 0;
	if (bpf_check_mtu(skb, ifindex, &mtu, 4, 0) != BPF_MTU_CHK_RET_SUCCESS)
		return TC_ACT_OK;
	__u8 hdr[4] = {v.channel >> 8, v.channel & 0xff, payload >> 8, payload & 0xff};
	__u32 chword;
	__builtin_memcpy(&chword, hdr, 4);
	if (bpf_skb_change_tail(skb, skb->len + 4, 0) < 0)
		return TC_ACT_OK;
	if (move_payload(skb, hdrs, hdrs + 4, payload) < 0)
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, hdrs, hdr, 4, 0) < 0)
		return TC_ACT_SHOT;
	if (rewrite(skb, listen_ip, v.client_ip, v.listen_port, v.client_port, saddr, daddr, sport, dport, iplen,
		    iplen + 4, udplen, udplen + 4, 0, chword) < 0)
		return TC_ACT_SHOT;
	__sync_fetch_and_add(&st->to_client_packets, 1);
	__sync_fetch_and_add(&st->to_client_bytes, payload);
	st->last_seen_ns = now;
	return bpf_redirect_neigh(ifindex, NULL, 0, 0);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
