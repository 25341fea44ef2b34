export interface HaproxyConfigOptions {
  frontendPort: number;
  adminSocketPath: string;
}

export const backendName = 'pods';

/**
 * HAProxy as kube-proxy: an L4 balancer that picks an endpoint when a TCP connection opens and never
 * moves it afterwards. No health checks (endpoints come and go through the runtime API, as the
 * endpoints controller drives kube-proxy), no retries and no redispatch (iptables and IPVS retry
 * nothing: a connection to a closed listener fails). Timeouts are far above any request of the suite,
 * so the balancer never closes a connection itself.
 * @see https://kubernetes.io/docs/reference/networking/virtual-ips/
 */
export function haproxyConfig({ frontendPort, adminSocketPath }: HaproxyConfigOptions): string {
  return `global
  stats socket ${adminSocketPath} level admin
  maxconn 4096

defaults
  mode tcp
  retries 0
  timeout connect 5s
  timeout client 5m
  timeout server 5m

frontend service
  bind 127.0.0.1:${frontendPort}
  default_backend ${backendName}

# Servers are added at run time; roundrobin is one of the algorithms that allow it.
backend ${backendName}
  balance roundrobin
`;
}
