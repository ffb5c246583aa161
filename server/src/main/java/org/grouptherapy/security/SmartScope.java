package org.grouptherapy.security;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMART App Launch resource scope, v1 ({@code patient/Observation.read}) or v2 ({@code
 * patient/Observation.rs?category=vital-signs}).
 *
 * @param query the v2 narrowing search ({@code category=vital-signs}), or null
 */
public record SmartScope(
    Context context, String resourceType, Set<Permission> permissions, String query) {

  public enum Context {
    PATIENT,
    USER,
    SYSTEM
  }

  /** SMART v2 permissions, in the order they must be written: c r u d s. */
  public enum Permission {
    CREATE('c'),
    READ('r'),
    UPDATE('u'),
    DELETE('d'),
    SEARCH('s');

    final char letter;

    Permission(char letter) {
      this.letter = letter;
    }
  }

  public static final String ANY_TYPE = "*";

  private static final Pattern SYNTAX =
      Pattern.compile("^(patient|user|system)/(\\*|[A-Z][A-Za-z]+)\\.([a-z*]+)(\\?(.+))?$");

  /** Parses a scope; other scopes (openid, fhirUser, launch/patient, …) give empty. */
  public static Optional<SmartScope> parse(String scope) {
    Matcher m = SYNTAX.matcher(scope);
    if (!m.matches()) {
      return Optional.empty();
    }
    Optional<Set<Permission>> permissions = permissions(m.group(3));
    if (permissions.isEmpty() || (m.group(5) != null && !isV2(m.group(3)))) {
      return Optional.empty();
    }
    return Optional.of(
        new SmartScope(
            Context.valueOf(m.group(1).toUpperCase()), m.group(2), permissions.get(), m.group(5)));
  }

  private static boolean isV2(String permissions) {
    return !permissions.equals("read") && !permissions.equals("write") && !permissions.equals("*");
  }

  private static Optional<Set<Permission>> permissions(String text) {
    switch (text) {
      case "read":
        return Optional.of(EnumSet.of(Permission.READ, Permission.SEARCH));
      case "write":
        return Optional.of(EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE));
      case "*":
        return Optional.of(EnumSet.allOf(Permission.class));
      default:
        break;
    }
    EnumSet<Permission> result = EnumSet.noneOf(Permission.class);
    int last = -1;
    for (char letter : text.toCharArray()) {
      Permission permission = null;
      for (Permission candidate : Permission.values()) {
        if (candidate.letter == letter) {
          permission = candidate;
        }
      }
      if (permission == null || permission.ordinal() <= last) {
        return Optional.empty();
      }
      last = permission.ordinal();
      result.add(permission);
    }
    return result.isEmpty() ? Optional.empty() : Optional.of(result);
  }

  /** The scope as written, v2 style: {@code user/Claim.rs?status=active}. */
  public String text() {
    StringBuilder letters = new StringBuilder();
    permissions.stream().sorted().forEach(p -> letters.append(p.letter));
    return context.name().toLowerCase()
        + "/"
        + resourceType
        + "."
        + letters
        + (query == null ? "" : "?" + query);
  }

  public boolean appliesTo(String type) {
    return covers(resourceType, type);
  }

  /** Whether a scope's resource type ({@code *} or a type) covers {@code type}. */
  static boolean covers(String scopeType, String type) {
    return ANY_TYPE.equals(scopeType) || scopeType.equals(type);
  }

  /** Whether a client registered for this scope may be granted {@code requested}. */
  public boolean covers(SmartScope requested) {
    return context == requested.context
        && appliesTo(requested.resourceType)
        && permissions.containsAll(requested.permissions)
        && (query == null || query.equals(requested.query));
  }
}
