/**
 * How a view asks its source again, shared by the Registers view and the queue views: debounced
 * (cursor moves and typing do not flood the server), only while the view is on screen (a hidden
 * view marks itself stale and catches up when shown), and a later answer always wins over an
 * earlier one that arrives after it.
 */
export abstract class Refresher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stale = false;
  private generation = 0;
  /** Whether a view shows the data (set by whoever creates the views). */
  isVisible: () => boolean = () => true;

  constructor(private readonly defaultDelay: number) {}

  /** Fetch and apply new data; `current()` turns false once a later refresh has started. */
  protected abstract load(current: () => boolean): Promise<void>;

  /** Whether there is anything to show yet. */
  protected abstract hasData(): boolean;

  schedule(delay = this.defaultDelay): void {
    if (!this.isVisible()) {
      this.stale = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch(() => this.failed()), delay);
  }

  /**
   * A refresh of its own that failed: the request was rejected, as every pending one is when the
   * language server stops or restarts. Nobody awaits it, so it must not become an unhandled
   * rejection (VS Code reports those as "An unknown error occurred"); the view asks again the
   * next time something changes or it is shown.
   */
  private failed(): void {
    this.stale = true;
  }

  /** A view came on screen: catch up with what changed while none was. */
  shown(): void {
    if (this.stale || !this.hasData()) this.schedule(0);
  }

  async refresh(): Promise<void> {
    this.stale = false;
    const generation = ++this.generation;
    await this.load(() => generation === this.generation);
  }

  protected stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
