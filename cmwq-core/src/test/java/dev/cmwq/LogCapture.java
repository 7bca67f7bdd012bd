package dev.cmwq;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Records what the engine logs on its System.Logger "dev.cmwq" (the JDK routes it to the
 * java.util.logging logger of that name). The engine module does not read java.logging, so this
 * installs a {@code java.util.logging.Filter} reflectively; it records every message and lets it
 * through. Close it to restore the previous filter.
 */
final class LogCapture implements AutoCloseable {
  final ConcurrentLinkedQueue<String> messages = new ConcurrentLinkedQueue<>();
  private final Object logger;
  private final Object previous;
  private final Method setFilter;

  LogCapture(String name) throws ReflectiveOperationException {
    Class<?> loggerClass = Class.forName("java.util.logging.Logger");
    Class<?> filterClass = Class.forName("java.util.logging.Filter");
    Method getMessage = Class.forName("java.util.logging.LogRecord").getMethod("getMessage");
    logger = loggerClass.getMethod("getLogger", String.class).invoke(null, name);
    previous = loggerClass.getMethod("getFilter").invoke(logger);
    setFilter = loggerClass.getMethod("setFilter", filterClass);
    Object filter =
        Proxy.newProxyInstance(
            filterClass.getClassLoader(),
            new Class<?>[] {filterClass},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "isLoggable":
                  messages.add(String.valueOf(getMessage.invoke(args[0])));
                  return true;
                case "hashCode":
                  return System.identityHashCode(proxy);
                case "equals":
                  return proxy == args[0];
                default:
                  return "LogCapture";
              }
            });
    setFilter.invoke(logger, filter);
  }

  /** Returns: whether some recorded message contains {@code fragment}. */
  boolean any(String fragment) {
    return messages.stream().anyMatch(m -> m.contains(fragment));
  }

  @Override
  public void close() throws ReflectiveOperationException {
    setFilter.invoke(logger, previous);
  }
}
