package org.grouptherapy.kernel.access;

import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * Who may call one operation at one level.
 *
 * @param operation the operation's name ("$schedule-series", see OperationNames)
 * @param level where it is called: on the server, on a type, or on instances of the type
 * @param type the resource type (null at server level)
 * @param reach what a caller's grants allow of it: nothing, every instance, or some instances
 * @param needs what to ask for when refused, in words a client developer acts on: the scopes and
 *     roles that allow it
 */
public record OperationPermit(
    String operation,
    Level level,
    Class<? extends IBaseResource> type,
    Function<CallerGrants, Reach> reach,
    String needs) {

  public enum Level {
    SERVER,
    TYPE,
    INSTANCE
  }

  /** How far a caller may use an operation. */
  public sealed interface Reach {
    Reach NONE = new None();
    Reach ANY = new Any();

    static Reach when(boolean allowed) {
      return allowed ? ANY : NONE;
    }

    /** Only on these instances (e.g. the patients of a therapist's caseload). */
    static Reach only(Collection<IIdType> instances) {
      return instances.isEmpty() ? NONE : new Only(List.copyOf(instances));
    }

    record None() implements Reach {}

    record Any() implements Reach {}

    record Only(List<IIdType> instances) implements Reach {}
  }

  public static OperationPermit onInstances(
      String operation,
      Class<? extends IBaseResource> type,
      Predicate<CallerGrants> when,
      String needs) {
    return new OperationPermit(
        operation, Level.INSTANCE, type, g -> Reach.when(when.test(g)), needs);
  }

  public static OperationPermit onType(
      String operation,
      Class<? extends IBaseResource> type,
      Predicate<CallerGrants> when,
      String needs) {
    return new OperationPermit(operation, Level.TYPE, type, g -> Reach.when(when.test(g)), needs);
  }

  public static OperationPermit onServer(
      String operation, Predicate<CallerGrants> when, String needs) {
    return new OperationPermit(operation, Level.SERVER, null, g -> Reach.when(when.test(g)), needs);
  }

  /** Whether this permit is for a call of {@code operation} on {@code resourceType}. */
  public boolean matches(String name, String resourceType) {
    if (!operation.equals(name)) {
      return false;
    }
    return level == Level.SERVER
        ? resourceType == null
        : type != null && type.getSimpleName().equals(resourceType);
  }
}
