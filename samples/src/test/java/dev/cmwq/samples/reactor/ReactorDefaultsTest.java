package dev.cmwq.samples.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.reactor.CmwqSchedulers;
import dev.cmwq.samples.SampleRuntimes;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReactorDefaultsTest extends SampleRuntimes {

  @AfterEach
  void restoreReactorDefaults() {
    CmwqSchedulers.resetDefault(); // in case the sample failed before its own finally
  }

  @Test
  void defaultsRunOnCmwqUntilReset() {
    ReactorDefaults.Result r = ReactorDefaults.run(runtime(2), QUIET);
    String p = Pattern.quote(prefix(0));
    assertThat(r.cmwqWhileInstalled()).isTrue();
    assertThat(r.threadsWhileInstalled().get("parallel")).matches(p + "[01]:\\d+");
    assertThat(r.threadsWhileInstalled().get("Mono.delay")).matches(p + "[01]:\\d+");
    assertThat(r.threadsWhileInstalled().get("boundedElastic")).matches(p + "u\\d+:\\d+");
    assertThat(r.threadsWhileInstalled().get("single")).matches(p + "u\\d+:\\d+");
    assertThat(r.cmwqAfterReset()).isFalse();
  }
}
