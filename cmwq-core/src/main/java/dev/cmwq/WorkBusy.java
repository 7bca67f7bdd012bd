package dev.cmwq;

/** What {@link Work#busy()} reports (kernel {@code work_busy}). */
public enum WorkBusy {
  /** Queued or armed, not yet started. */
  PENDING,
  /** Running on a worker now. */
  RUNNING
}
