// The hard-denied peers (stunner-v1.md §1.10; turn.md §5.3, §5.5 item 1) in every address form, for the
// tests that check each path refuses them: the userspace paths and the kernel offload's.

/** Denied IPv4 peers. */
export const V4_DENIED = [
  '127.0.0.1',
  '127.0.0.2',
  '127.255.255.254',
  '0.0.0.0',
  '169.254.169.254',
  '169.254.0.1',
  '224.0.0.1',
  '255.255.255.255',
];

/** Every IPv6 form of a denied address, with what it is. */
export const V6_DENIED: Array<[string, string]> = [
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
  ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::a9fe:a9fe', 'IPv4-compatible metadata'],
  ['64:ff9b::7f00:1', 'NAT64 loopback'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 metadata'],
  ['64:ff9b:1::7f00:1', 'local-use NAT64 (64:ff9b:1::/48) loopback'],
  ['2002:7f00:1::1', '6to4 loopback'],
  ['2002:a9fe:a9fe::1', '6to4 metadata'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo (client 127.0.0.1, obfuscated)'],
  ['2001:0:4136:e378:8000:63bf:5601:5601', 'Teredo (client 169.254.169.254, obfuscated)'],
  ['::1', 'IPv6 loopback'],
  ['::', 'IPv6 unspecified'],
  ['fe80::1', 'link-local'],
  ['ff02::1', 'multicast'],
];
