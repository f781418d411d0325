// The ICE test: an ICE configuration from authd, then per TURN URI a relay-only WebRTC call of this
// page with itself through the gateway, measuring connect time, round-trip time and loss over an
// unreliable data channel (so lost packets stay lost), and reading the chosen candidates' types.

const PINGS = 20;
const PING_EVERY_MS = 50;
const CALL_TIMEOUT_MS = 10_000;

async function iceConfig(target) {
  const res = await fetch(target.iceUrl, target.token ? { headers: { Authorization: `Bearer ${target.token}` } } : {});
  if (!res.ok) throw new Error(`authd answered ${res.status}: ${(await res.text()).trim()}`);
  return res.json();
}

function timeout(ms, what) {
  let timer;
  const p = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms / 1000} s`)), ms);
  });
  return { p, clear: () => clearTimeout(timer) };
}

async function selectedPair(pc) {
  const stats = await pc.getStats();
  let pair;
  for (const s of stats.values()) {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  }
  if (!pair)
    for (const s of stats.values()) if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
  if (!pair) return undefined;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return {
    local: local ? `${local.candidateType}${local.relayProtocol ? ` (${local.relayProtocol})` : ''}` : '?',
    remote: remote ? remote.candidateType : '?',
    relayed: local?.address ? `${local.address}:${local.port}` : '',
  };
}

/** One relay-only call through one TURN URI. */
async function call(server) {
  const config = {
    iceServers: [{ urls: [server.url], username: server.username, credential: server.credential }],
    iceTransportPolicy: 'relay',
  };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  const gathered = new Set();
  try {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ]) {
      from.onicecandidate = (ev) => {
        if (!ev.candidate) return;
        gathered.add(ev.candidate.type);
        to.addIceCandidate(ev.candidate).catch(() => {});
      };
    }
    b.ondatachannel = (ev) => {
      ev.channel.onmessage = (m) => ev.channel.send(m.data);
    };
    const started = performance.now();
    const channel = a.createDataChannel('ice-test', { ordered: false, maxRetransmits: 0 });
    const open = new Promise((resolve) => {
      channel.onopen = resolve;
    });
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    const t = timeout(CALL_TIMEOUT_MS, 'a connection');
    try {
      await Promise.race([open, t.p]);
    } finally {
      t.clear();
    }
    const connectMs = performance.now() - started;

    const rtts = [];
    const sent = new Map();
    channel.onmessage = (m) => {
      const at = sent.get(m.data);
      if (at !== undefined) rtts.push(performance.now() - at);
    };
    for (let i = 0; i < PINGS; i++) {
      const id = `ping-${i}`;
      sent.set(id, performance.now());
      channel.send(id);
      await new Promise((r) => setTimeout(r, PING_EVERY_MS));
    }
    await new Promise((r) => setTimeout(r, 500));
    const pair = await selectedPair(a);
    return {
      ok: true,
      connectMs,
      rttMs: rtts.length ? rtts.reduce((x, y) => x + y, 0) / rtts.length : undefined,
      rttMin: rtts.length ? Math.min(...rtts) : undefined,
      rttMax: rtts.length ? Math.max(...rtts) : undefined,
      loss: (PINGS - rtts.length) / PINGS,
      local: pair?.local ?? [...gathered].join(', '),
      remote: pair?.remote ?? '?',
      relayed: pair?.relayed ?? '',
    };
  } catch (err) {
    return { ok: false, error: err.message, local: [...gathered].join(', ') || 'none gathered' };
  } finally {
    a.close();
    b.close();
  }
}

/** Runs the test over every URI of authd's answer; `onResult(uri, result)` as each finishes. */
export async function runIceTest(target, onResult) {
  const cfg = await iceConfig(target);
  const servers = (cfg.iceServers ?? []).flatMap((s) =>
    (Array.isArray(s.urls) ? s.urls : [s.urls]).map((url) => ({ url, username: s.username, credential: s.credential })),
  );
  if (servers.length === 0) throw new Error('authd returned no TURN server');
  for (const s of servers) onResult(s.url, { running: true });
  for (const s of servers) onResult(s.url, await call(s));
}
