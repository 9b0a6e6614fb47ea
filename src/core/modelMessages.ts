/**
 * Plain messages (kind 0: Queue, SimpleQueue, Pipe) paired SEND → RECV. A pipe is FIFO and its
 * writes are serialised, so on each direction of a channel the n-th write (by the time it returned)
 * is the n-th read (by the time it returned). A duplex Pipe's ends have different ids; its
 * `channel` META names both, and a message sent on one end is read from the other.
 */
import { MessageKind } from './format';
import { num, str } from './metaFields';
import type { ChannelInfo, Message } from './modelTypes';
import type { ProcessesResult } from './modelProcesses';
import { newRecvFields, newSendFields, readRecv, readSend, type TraceRecords } from './records';

export interface MessagesResult {
  channels: ChannelInfo[];
  messages: Message[];
}

interface Side {
  process: number;
  bytes: number;
  /** ns stamps */
  t0: number;
  t1: number;
  /** ns: SEND t2 (write returned); for RECV the same as t0 (read returned). */
  at: number;
}

export function buildMessages(records: TraceRecords, procs: ProcessesResult): MessagesResult {
  const { byStream, originNs } = procs;
  const ms = (ns: number): number => (ns - originNs) / 1e6;
  const channels: ChannelInfo[] = [];
  const channelOf = new Map<number, number>();
  const peerOf = new Map<number, number>();

  for (const m of records.metas) {
    if (m.k !== 'channel') continue;
    const chan = num(m.data, 'chan');
    if (chan === null) continue;
    const peer = num(m.data, 'peer') ?? chan;
    const index = channels.length;
    channels.push({
      index,
      chan,
      peer,
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

  // Both sides keyed by the channel id of the sending end.
  const sends = new Map<number, Side[]>();
  const recvs = new Map<number, Side[]>();
  const push = (map: Map<number, Side[]>, key: number, side: Side): void => {
    const list = map.get(key);
    if (list) list.push(side);
    else map.set(key, [side]);
  };
  const send = newSendFields();
  const recv = newRecvFields();
  for (const chunk of records.chunks) {
    const process = byStream[chunk.stream];
    for (const off of chunk.sends) {
      if (readSend(chunk.view, off, send).kind !== MessageKind.Message) continue;
      push(sends, send.chan, { process, bytes: send.bytes, t0: send.t0, t1: send.t1, at: send.t2 });
    }
    for (const off of chunk.recvs) {
      if (readRecv(chunk.view, off, recv).kind !== MessageKind.Message) continue;
      const from = peerOf.get(recv.chan) ?? recv.chan;
      push(recvs, from, { process, bytes: recv.bytes, t0: recv.t0, t1: recv.t1, at: recv.t0 });
    }
  }

  const messages: Message[] = [];
  const keys = [...new Set([...sends.keys(), ...recvs.keys()])].sort((a, b) => a - b);
  for (const key of keys) {
    let channel = channelOf.get(key);
    if (channel === undefined) {
      channel = channels.length;
      channels.push({ index: channel, chan: key, peer: key, api: null, file: null, line: null, creator: -1 });
      channelOf.set(key, channel);
    }
    const out = (sends.get(key) ?? []).sort((a, b) => a.at - b.at);
    const inn = (recvs.get(key) ?? []).sort((a, b) => a.at - b.at);
    for (let i = 0; i < Math.max(out.length, inn.length); i++) {
      const s = out[i];
      const r = inn[i];
      messages.push({
        channel,
        sendChan: key,
        sender: s ? s.process : -1,
        receiver: r ? r.process : -1,
        bytes: s ? s.bytes : r.bytes,
        pickleStartMs: s ? ms(s.t0) : null,
        pickleMs: s ? (s.t1 - s.t0) / 1e6 : null,
        writeMs: s ? (s.at - s.t1) / 1e6 : null,
        sentMs: s ? ms(s.at) : null,
        arrivalMs: r ? ms(r.t0) : null,
        unpickleMs: r ? (r.t1 - r.t0) / 1e6 : null,
      });
    }
  }
  return { channels, messages };
}
