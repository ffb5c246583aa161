package org.grouptherapy.security;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.kernel.access.Role;

/**
 * The text of a 403: what was refused, who the operation or the data is for (the permit's own
 * words), and what the caller holds, so that a client developer knows which scope or role to ask
 * for. Never names data the caller may not see: only the request's own type, id and operation.
 */
final class Refusals {

  private Refusals() {}

  static String explain(
      RequestDetails request,
      Optional<CallerResolver.Caller> caller,
      List<OperationPermit> permits) {
    String type = request.getResourceName();
    String target =
        request.getId() != null && request.getId().hasIdPart()
            ? type + "/" + request.getId().getIdPart()
            : type == null ? "the server" : type;
    String operation = request.getOperation();
    String held =
        caller.map(Refusals::held).orElse(" Sign in first: the request carries no token.");
    if (operation != null && operation.startsWith("$")) {
      String needs =
          permits.stream()
              .filter(p -> p.operation().equals(operation))
              .filter(
                  p ->
                      type == null
                          ? p.type() == null
                          : p.type() != null && p.type().getSimpleName().equals(type))
              .map(OperationPermit::needs)
              .distinct()
              .collect(Collectors.joining("; "));
      return "Your access does not allow "
          + operation
          + " on "
          + target
          + (needs.isEmpty() ? "." : ": it needs " + needs + ".")
          + held;
    }
    String verb = verb(request.getRestOperationType());
    String caseload =
        caller.isPresent()
                && caller.get().access().roles().contains(Role.THERAPIST)
                && type != null
                && Role.CLINICAL.contains(type)
            ? " A therapist reads "
                + type
                + " only for the members of their caseload (the groups they facilitate or the"
                + " people they screen)."
            : "";
    return "Your access does not allow "
        + verb
        + " "
        + target
        + "."
        + caseload
        + held
        + " Ask for a scope such as user/"
        + (type == null ? "*" : type)
        + ".rs with a role that permits it.";
  }

  private static String held(CallerResolver.Caller caller) {
    SmartAccess access = caller.access();
    String roles =
        access.roles().isEmpty()
            ? "no role (a system client)"
            : access.roles().stream()
                .map(r -> r.name().toLowerCase())
                .sorted()
                .collect(Collectors.joining(", "));
    String scopes =
        access.scopes().stream().map(SmartScope::text).sorted().collect(Collectors.joining(" "));
    return " You hold: role " + roles + "; scopes " + (scopes.isEmpty() ? "none" : scopes) + ".";
  }

  private static String verb(RestOperationTypeEnum operation) {
    if (operation == null) {
      return "this request on";
    }
    return switch (operation) {
      case READ, VREAD -> "reading";
      case SEARCH_TYPE, SEARCH_SYSTEM, GET_PAGE -> "searching or returning";
      case CREATE -> "creating";
      case UPDATE, PATCH -> "changing";
      case DELETE -> "deleting";
      case HISTORY_INSTANCE, HISTORY_TYPE, HISTORY_SYSTEM -> "the history of";
      case TRANSACTION, BATCH -> "this entry of the bundle on";
      default -> "this request on";
    };
  }
}
