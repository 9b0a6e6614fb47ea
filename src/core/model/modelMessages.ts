/**
 * Plain messages (kind 0: Queue, SimpleQueue, Pipe) paired SEND → RECV. A pipe is FIFO and its
 * writes are serialised, so on each direction of a channel the n-th write (by the time it returned)
 * is the n-th read (by the time it returned). A duplex Pipe's ends have different ids; its
 * `channel` META names both, and a message sent on one end is read from the other.
 *
 * On a flood the agent samples (docs/trace-format.md): every message is counted, but past the first
 * `full` per process, channel and direction only those whose pickled bytes have crc32 % `every` == 0
 * are recorded — the same messages at both ends. Records are therefore paired FIFO among records
 * of the same crc: a message one end recorded and the other did not (their first `full` differ when
 * several processes share a channel) stays half-recorded instead of shifting every later pair.
 * Channel totals come from the counts each record carries, and from the `msg-counts` METAs that
 * hold what was left unrecorded at exit.
 */
import {
  MessageKind,
  num,
  obj,
  str,
  newRecvFields,
  newSendFields,
  readRecv,
  readSend,
  type TraceRecords,
} from '../trace';
import type { ChannelInfo, Message, MessageSampling } from './modelTypes';
import type { ProcessesResult } from './modelProcesses';

export interface MessagesResult {
  channels: ChannelInfo[];
  messages: Message[];
  messageSampling: MessageSampling | null;
}

interface Side {
  process: number;
  bytes: number;
  /** ns stamps */
  t0: number;
  t1: number;
  /** ns: SEND t2 (write returned); for RECV the same as t0 (read returned). */
  at: number;
  crc: number;
  /** Messages and bytes this record stands for (itself and the unrecorded ones before it). */
  count: number;
  countBytes: number;
}

/** Per direction of a channel, keyed by the channel id of its sending end. */
interface Direction {
  out: Side[];
  inn: Side[];
  /** Tail counts whose process left no record here to carry them. */
  sentExtra: number;
  sentExtraBytes: number;
  receivedExtra: number;
  receivedExtraBytes: number;
  atLeast: boolean;
}

export function buildMessages(records: TraceRecords, procs: ProcessesResult): MessagesResult {
  const { byStream, originNs } = procs;
  const ms = (ns: number): number => (ns - originNs) / 1e6;
  const channels: ChannelInfo[] = [];
  const channelOf = new Map<number, number>();
  const peerOf = new Map<number, number>();
  const exited = new Set<number>();
  let messageSampling: MessageSampling | null = null;

  const addChannel = (chan: number, peer: number, meta: Partial<ChannelInfo>): number => {
    const index = channels.length;
    channels.push({
      index,
      chan,
      peer,
      api: null,
      file: null,
      line: null,
      creator: -1,
      ...meta,
      messages: 0,
      bytes: 0,
      sentMessages: 0,
      receivedMessages: 0,
      recorded: 0,
      sampled: false,
      atLeast: false,
    });
    return index;
  };
  for (const m of records.metas) {
    if (m.k === 'exit') exited.add(m.stream);
    if (m.k === 'run') messageSampling ??= samplingOf(obj(m.data, 'messageSampling'));
    if (m.k !== 'channel') continue;
    const chan = num(m.data, 'chan');
    if (chan === null) continue;
    const peer = num(m.data, 'peer') ?? chan;
    const index = addChannel(chan, peer, {
      api: str(m.data, 'api'),
      file: str(m.data, 'file'),
      line: num(m.data, 'line'),
      creator: byStream[m.stream],
    });
    channelOf.set(chan, index);
    channelOf.set(peer, index);
    peerOf.set(chan, peer);
    peerOf.set(peer, chan);
  }

  const directions = new Map<number, Direction>();
  const direction = (key: number): Direction => {
    let d = directions.get(key);
    if (!d) {
      d = {
        out: [],
        inn: [],
        sentExtra: 0,
        sentExtraBytes: 0,
        receivedExtra: 0,
        receivedExtraBytes: 0,
        atLeast: false,
      };
      directions.set(key, d);
    }
    return d;
  };
  // Each process's latest record per direction: its exit tail count joins that record.
  const lastOut = new Map<string, Side>();
  const lastIn = new Map<string, Side>();
  const keep = (last: Map<string, Side>, key: number, side: Side): void => {
    const id = `${side.process}:${key}`;
    const before = last.get(id);
    if (!before || before.at <= side.at) last.set(id, side);
  };
  const send = newSendFields();
  const recv = newRecvFields();
  for (const chunk of records.chunks) {
    const process = byStream[chunk.stream];
    const killed = !exited.has(chunk.stream);
    for (const off of chunk.sends) {
      if (readSend(chunk.view, off, send).kind !== MessageKind.Message) continue;
      // kind 0 `job`/`index`: messages and bytes the record stands for (−1 in older traces: itself).
      const side = sideOf(process, send.bytes, send.t0, send.t1, send.t2, send.crc, send.job, send.index);
      const d = direction(send.chan);
      d.out.push(side);
      if (killed && side.count > 1) d.atLeast = true;
      keep(lastOut, send.chan, side);
    }
    for (const off of chunk.recvs) {
      if (readRecv(chunk.view, off, recv).kind !== MessageKind.Message) continue;
      const from = peerOf.get(recv.chan) ?? recv.chan;
      const side = sideOf(process, recv.bytes, recv.t0, recv.t1, recv.t0, recv.crc, recv.job, recv.index);
      const d = direction(from);
      d.inn.push(side);
      if (killed && side.count > 1) d.atLeast = true;
      keep(lastIn, from, side);
    }
  }
  for (const m of records.metas) {
    if (m.k !== 'msg-counts') continue;
    const process = byStream[m.stream];
    for (const [chan, n, bytes] of tails(m.data.sent)) {
      const side = lastOut.get(`${process}:${chan}`);
      const d = direction(chan);
      if (side) [side.count, side.countBytes] = [side.count + n, side.countBytes + bytes];
      else [d.sentExtra, d.sentExtraBytes] = [d.sentExtra + n, d.sentExtraBytes + bytes];
    }
    for (const [chan, n, bytes] of tails(m.data.received)) {
      const key = peerOf.get(chan) ?? chan;
      const side = lastIn.get(`${process}:${key}`);
      const d = direction(key);
      if (side) [side.count, side.countBytes] = [side.count + n, side.countBytes + bytes];
      else [d.receivedExtra, d.receivedExtraBytes] = [d.receivedExtra + n, d.receivedExtraBytes + bytes];
    }
  }

  const messages: Message[] = [];
  const keys = [...directions.keys()].sort((a, b) => a - b);
  for (const key of keys) {
    let channel = channelOf.get(key);
    if (channel === undefined) {
      channel = addChannel(key, key, {});
      channelOf.set(key, channel);
    }
    const d = directions.get(key) as Direction;
    const pairs = pairByCrc(d.out.sort(byAt), d.inn.sort(byAt));
    for (const [s, r] of pairs) {
      messages.push({
        channel,
        sendChan: key,
        sender: s ? s.process : -1,
        receiver: r ? r.process : -1,
        bytes: s ? s.bytes : (r as Side).bytes,
        pickleStartMs: s ? ms(s.t0) : null,
        pickleMs: s ? (s.t1 - s.t0) / 1e6 : null,
        writeMs: s ? (s.at - s.t1) / 1e6 : null,
        sentMs: s ? ms(s.at) : null,
        arrivalMs: r ? ms(r.t0) : null,
        unpickleMs: r ? (r.t1 - r.t0) / 1e6 : null,
        crc: s ? s.crc : (r as Side).crc,
        sendCount: s ? s.count : 0,
        sendCountBytes: s ? s.countBytes : 0,
        recvCount: r ? r.count : 0,
        recvCountBytes: r ? r.countBytes : 0,
      });
    }
    const ch = channels[channel];
    let sent = d.sentExtra;
    let sentBytes = d.sentExtraBytes;
    for (const s of d.out) [sent, sentBytes] = [sent + s.count, sentBytes + s.countBytes];
    let received = d.receivedExtra;
    let receivedBytes = d.receivedExtraBytes;
    for (const r of d.inn) [received, receivedBytes] = [received + r.count, receivedBytes + r.countBytes];
    ch.messages += Math.max(sent, received);
    ch.bytes += sent >= received ? sentBytes : receivedBytes;
    ch.sentMessages += sent;
    ch.receivedMessages += received;
    ch.recorded += pairs.length;
    if (sent > d.out.length || received > d.inn.length) ch.sampled = true;
    if (d.atLeast) ch.atLeast = true;
  }
  return { channels, messages, messageSampling };
}

function sideOf(
  process: number,
  bytes: number,
  t0: number,
  t1: number,
  at: number,
  crc: number,
  count: number,
  countBytes: number,
): Side {
  return {
    process,
    bytes,
    t0,
    t1,
    at,
    crc,
    count: count > 0 ? count : 1,
    countBytes: countBytes >= 0 ? countBytes : bytes,
  };
}

const byAt = (a: Side, b: Side): number => a.at - b.at;

/**
 * FIFO pairs among records of the same crc, both lists in time order. With one crc (older traces:
 * all 0) this is the n-th write with the n-th read; with several, the result is in sending order.
 */
function pairByCrc(out: Side[], inn: Side[]): [Side | undefined, Side | undefined][] {
  const pairs: [Side | undefined, Side | undefined][] = [];
  const groups = new Map<number, { out: Side[]; inn: Side[] }>();
  const group = (crc: number): { out: Side[]; inn: Side[] } => {
    let g = groups.get(crc);
    if (!g) groups.set(crc, (g = { out: [], inn: [] }));
    return g;
  };
  for (const s of out) group(s.crc).out.push(s);
  for (const r of inn) group(r.crc).inn.push(r);
  for (const g of groups.values()) {
    for (let i = 0; i < Math.max(g.out.length, g.inn.length); i++) pairs.push([g.out[i], g.inn[i]]);
  }
  if (groups.size > 1) {
    const when = ([s, r]: [Side | undefined, Side | undefined]): number => (s ? s.at : (r as Side).at);
    pairs.sort((a, b) => when(a) - when(b));
  }
  return pairs;
}

/** `[[chan, messages, bytes], …]` from a `msg-counts` META, malformed entries left out. */
function tails(value: unknown): [number, number, number][] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (e): e is [number, number, number] =>
      Array.isArray(e) &&
      e.length >= 3 &&
      e.slice(0, 3).every((x) => typeof x === 'number' && Number.isFinite(x)),
  );
}

function samplingOf(value: Record<string, unknown> | null): MessageSampling | null {
  if (!value) return null;
  const full = num(value, 'full');
  const every = num(value, 'every');
  return full !== null && every !== null && every > 0 ? { full, every } : null;
}
