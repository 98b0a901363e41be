// The live display on a terminal. log-update (sindresorhus), because it does one thing: it
// rewrites the last lines of the terminal and lets lines above them stay (persist), so kiln
// keeps its own model: the display is a pure render function of state (live-render.ts) fed
// by a reducer (live-state.ts), both tested as data, and this file only owns the terminal,
// the clock and the redraw rate. (Version 7: version 8 needs Node 22; kiln runs on Node 20.)
// Task-list libraries (listr2, ink) want to own the control flow or a React tree instead.
import { createLogUpdate } from 'log-update';
import type { Event, Sink } from '../log.js';
import { renderLive } from './live-render.js';
import { initialState, reduce, type LiveOptions, type LiveState } from './live-state.js';

/** Elapsed times move once a second; a burst of output redraws at most this often. */
const TICK_MS = 1000;
const REDRAW_MS = 100;

export class LiveSink implements Sink {
  private state: LiveState;
  private readonly update: ReturnType<typeof createLogUpdate>;
  private readonly ticker: NodeJS.Timeout;
  private pending: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly onResize = () => this.draw();
  /** kiln ends without a close (a signal's process.exit): the last frame stays, the cursor comes back. */
  private readonly onExit = () => this.update.done();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly o: LiveOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.state = initialState(this.now());
    this.update = createLogUpdate(stream);
    this.ticker = setInterval(() => this.draw(), TICK_MS).unref();
    stream.on('resize', this.onResize);
    process.once('exit', this.onExit);
  }

  emit(e: Event): void {
    if (this.closed) return;
    const wasPaused = this.state.paused;
    const { state, persist } = reduce(this.state, e, this.now(), this.o);
    this.state = state;
    if (persist) this.update.persist(persist.replace(/\n$/, ''));
    if (state.paused && !wasPaused) {
      // the shell gets a clean terminal and a visible cursor
      this.update.clear();
      this.update.done();
      return;
    }
    if (persist || state.finished) this.draw();
    else this.schedule();
  }

  private schedule(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.draw();
    }, REDRAW_MS).unref();
  }

  private draw(): void {
    if (this.closed || this.state.paused) return;
    const text = renderLive(this.state, this.now(), { width: this.stream.columns ?? 80, color: this.o.color });
    if (text) this.update(text);
    else this.update.clear();
  }

  /** Take the live area away and give the cursor back; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    clearTimeout(this.pending);
    this.stream.off('resize', this.onResize);
    process.off('exit', this.onExit);
    this.update.clear();
    this.update.done();
  }
}
