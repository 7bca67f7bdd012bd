package dev.cmwq.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;

/**
 * The operating system's view of a thread, where Java's is not enough: Java reports a thread
 * blocked in socket or pipe I/O as {@code RUNNABLE}, the same as one that waits for a CPU. On
 * Linux, {@code /proc/<pid>/task/<tid>/stat} tells them apart ({@code S}/{@code D}: asleep in the
 * kernel; {@code R}: running or runnable). Elsewhere the sampler falls back to CPU time alone.
 *
 * <p>The sampler only asks for a thread whose CPU time stood still while it was RUNNABLE, so the
 * cost (one small file read) is paid rarely.
 */
final class NativeThreadState {

  private NativeThreadState() {}

  /**
   * Returns: the stat file of the calling thread, or null where there is none. Call it on the
   * thread itself (the worker does, once, when it starts).
   */
  static @Nullable Path statOfCurrentThread() {
    try {
      Path self = Path.of("/proc/thread-self");
      if (!Files.exists(self)) {
        return null;
      }
      Path target = Files.readSymbolicLink(self); // "<pid>/task/<tid>"
      return Path.of("/proc").resolve(target).resolve("stat");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** What the kernel says of a thread. */
  enum State {
    /** Asleep in the kernel (S or D): blocked, for example in I/O. */
    SLEEPING,
    /** Running or waiting for a CPU. */
    RUNNABLE,
    /** Could not tell. */
    UNKNOWN
  }

  /** Returns: the state in {@code stat}; UNKNOWN if it cannot be read. */
  static State read(@Nullable Path stat, ByteBuffer buf) {
    if (stat == null) {
      return State.UNKNOWN;
    }
    buf.clear();
    try (FileChannel ch = FileChannel.open(stat, StandardOpenOption.READ)) {
      ch.read(buf);
    } catch (IOException | RuntimeException e) {
      return State.UNKNOWN;
    }
    // "tid (comm) S ...": comm may hold spaces or ')', so find the last ')'
    int end = buf.position();
    int close = -1;
    for (int i = 0; i < end; i++) {
      if (buf.get(i) == ')') {
        close = i;
      }
    }
    if (close < 0 || close + 2 >= end) {
      return State.UNKNOWN;
    }
    byte s = buf.get(close + 2);
    return s == 'S' || s == 'D' ? State.SLEEPING : s == 'R' ? State.RUNNABLE : State.UNKNOWN;
  }
}
