package dev.cmwq.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DemoTest {

  @Test
  void quickLoadRunsEverythingAndKeepsTheJournalInOrder() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Demo.Result r = Demo.run(Demo.Load.QUICK, new PrintStream(buf, true, StandardCharsets.UTF_8));

    assertThat(r.bound().completed()).isEqualTo(Demo.Load.QUICK.boundItems());
    assertThat(r.unbound().completed()).isEqualTo(Demo.Load.QUICK.unboundItems());
    assertThat(r.ordered().completed()).isEqualTo(Demo.Load.QUICK.orderedItems());
    assertThat(r.bound().inFlight()).isZero();
    assertThat(r.orderKept()).isTrue();
    // one in ten bound items declares blocking: concurrency management woke another worker
    assertThat(r.bound().cmWakeups()).isPositive();
    String text = buf.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("total", "infl", "demo_bound", "demo_unbound", "demo_ordered");
  }
}
