/**
 * The model of a `.pstrace` file, built while the file is read a piece at a time: the host's way
 * to open a saved run. Reading the whole file first (readContainer + buildModel) held all of it
 * (344 bytes a task) while the task columns were built; here only one piece is held, and of its
 * records only the plain messages' are kept (buildMessages pairs them at the end). The model is
 * the one buildModel makes from the same file.
 */
import * as fs from 'node:fs';
import { readContainer, streamContainer } from '../files';
import type { TraceModel } from '../model';
import { buildModel, StreamModel } from './streamModel';

/** Bytes of one task's records (two SENDs, two RECVs, a RUN): sizes the task columns up front. */
const TASK_BYTES = 344;

export interface ContainerModelOptions {
  /** Bytes read at a time (default PIECE_BYTES, 256 KiB). */
  pieceBytes?: number;
  /** Told how the tasks were joined: as read, or (a guess proved wrong) from a whole read. */
  joined?: (how: 'streamed' | 'whole') => void;
}

export function loadContainerModel(file: string, options: ContainerModelOptions = {}): TraceModel {
  const stream = new StreamModel(Math.ceil(fs.statSync(file).size / TASK_BYTES) + 1024);
  const records = streamContainer(file, (chunk, out) => stream.add(out, chunk), options.pieceBytes);
  const model = stream.model(records, false);
  if (model) {
    options.joined?.('streamed');
    return model;
  }
  // A META late in the file changed what a record read before it meant: join from a whole read.
  options.joined?.('whole');
  return buildModel(readContainer(file));
}
