package dev.cmwq.reactor;

/** What a {@link StrandWorker}'s queue holds: a worker task, a fired timed task, or a flush marker. */
interface StrandTask {

  /** Runs on the strand, one at a time, in queue order. Never throws. */
  void runOnStrand();

  /** The worker is disposed and this entry is taken off its queue without running. */
  void dropFromQueue();
}
