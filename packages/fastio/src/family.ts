/** An address family, spelled as Node and the TURN engine spell it. */
export type Family = 'IPv4' | 'IPv6';
