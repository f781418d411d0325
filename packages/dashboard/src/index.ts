// @stunner/dashboard: a live page of what a STUNner gateway does. A source (local mode, or a cluster
// for `stunnerctl dashboard`) answers `sample()`; the server serves the page and streams the samples.
//   const dashboard = await startDashboard({ source, port: 8090, logs });   // dashboard.url
// Against a cluster (`stunnerctl dashboard`): the caller finds the stunnerd pods (or port-forwards).
//   const source = new ClusterSource({ cds: new URL('http://127.0.0.1:13478'),
//     dataplanes: async () => [{ gateway: 'stunner/udp-gateway', statusUrl, metricsUrl }],
//     statuses: async () => gatewaysAndRoutesFromTheApiServer() });
//   const dashboard = await startDashboard({ source, port: 8090 });   ...   source.close()
export * from './bind-address.ts';
export * from './cluster-source.ts';
export * from './dashboard-server.ts';
export * from './dashboard-state.ts';
export * from './errors.ts';
export * from './log-buffer.ts';
export * from './prometheus-text.ts';
export * from './rate-history.ts';
export * from './static-assets.ts';
