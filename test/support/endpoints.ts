import { Agent, type AgentOptions } from 'node:http';
import { connect, Socket } from 'node:net';

/**
 * A kube-proxy stand-in for tests, on the client side: like iptables DNAT, it picks a ready endpoint
 * when a TCP connection is opened and never moves an established connection. Removing an endpoint
 * stops new connections to it, while keep-alive connections already open keep flowing to it.
 */
export class Endpoints {
  private ports: number[] = [];
  private turn = 0;

  add(port: number): void {
    if (!this.ports.includes(port)) this.ports.push(port);
  }

  remove(port: number): void {
    this.ports = this.ports.filter((p) => p !== port);
  }

  list(): readonly number[] {
    return this.ports;
  }

  pick(): number | undefined {
    if (this.ports.length === 0) return undefined;
    this.turn = (this.turn + 1) % this.ports.length;
    return this.ports[this.turn];
  }

  /** An http.Agent whose new connections go to whichever endpoint is picked at connect time. */
  agent(options: AgentOptions): Agent {
    return new ServiceAgent(this, options);
  }
}

/** The endpoint a socket was connected to, so each response can be attributed to a pod. */
export const endpointOf = (socket: Socket | null | undefined): number | undefined =>
  (socket as (Socket & { endpointPort?: number }) | null | undefined)?.endpointPort;

class ServiceAgent extends Agent {
  constructor(
    private readonly endpoints: Endpoints,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(): Socket {
    const port = this.endpoints.pick();
    if (port === undefined) {
      const socket = new Socket();
      const error = Object.assign(new Error('no ready endpoint'), { code: 'ENOENDPOINT' });
      process.nextTick(() => socket.destroy(error));
      return socket;
    }
    const socket = connect({ host: '127.0.0.1', port });
    return Object.assign(socket, { endpointPort: port });
  }
}
