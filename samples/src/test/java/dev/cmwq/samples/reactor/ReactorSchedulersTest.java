package dev.cmwq.samples.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.samples.SampleRuntimes;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ReactorSchedulersTest extends SampleRuntimes {

  @Test
  void eachVariantRunsOnItsKindOfWorker() {
    Map<String, ReactorSchedulers.Threads> r = ReactorSchedulers.run(runtime(2), QUIET);
    String p = Pattern.quote(prefix(0));
    assertThat(r).containsOnlyKeys("bound", "highpri", "unbound", "ordered", "fromWorkqueue");
    assertOn(r.get("bound"), p + "[01]:\\d+");
    assertOn(r.get("highpri"), p + "[01]:\\d+H");
    assertOn(r.get("unbound"), p + "u\\d+:\\d+");
    assertOn(r.get("ordered"), p + "u\\d+:\\d+");
    assertOn(r.get("fromWorkqueue"), p + "u\\d+:\\d+");
  }

  private static void assertOn(ReactorSchedulers.Threads t, String regex) {
    assertThat(t.subscribeOn()).matches(regex);
    assertThat(t.publishOn()).hasSize(3).allSatisfy(name -> assertThat(name).matches(regex));
  }
}
