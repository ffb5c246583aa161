package org.grouptherapy.intake;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Consent;
import org.springframework.stereotype.Service;

/**
 * The group consents of a person: group treatment consent, group confidentiality agreement and
 * telehealth consent, as Consent resources with a {@code consent-kind} category. Their state is
 * read from the Consent: {@code proposed} or {@code draft} is sent, {@code active} is signed
 * (expired once {@code provision.period.end} has passed), {@code inactive} is revoked, {@code
 * rejected} is declined.
 */
@Service
public class Consents {

  public enum State {
    SENT,
    SIGNED,
    EXPIRED,
    REVOKED,
    DECLINED;

    public String code() {
      return name().toLowerCase();
    }
  }

  private final DaoRegistry daos;
  private final Clock clock;
  private final ZoneId zone;

  Consents(DaoRegistry daos, Clock clock, AppProperties properties) {
    this.daos = daos;
    this.clock = clock;
    this.zone = properties.scheduling().defaultTimeZone();
  }

  /** The consent kinds a group requires: treatment and confidentiality, telehealth if virtual. */
  public static List<String> requiredFor(boolean virtual) {
    List<String> kinds = new ArrayList<>(IntakeCodes.CONSENTS_EVERY_GROUP);
    if (virtual) {
      kinds.add(IntakeCodes.TELEHEALTH_CONSENT);
    }
    return kinds;
  }

  /** Each kind's state: signed if any consent of that kind is in force, else the latest's. */
  public Map<String, State> statesOf(String patient, Consent inFlight) {
    List<Consent> consents = new ArrayList<>();
    SearchParameterMap search =
        SearchParameterMap.newSynchronous().add(Consent.SP_PATIENT, new ReferenceParam(patient));
    for (IBaseResource found :
        daos.getResourceDao(Consent.class).searchForResources(search, new SystemRequestDetails())) {
      Consent consent = (Consent) found;
      if (inFlight == null
          || !consent.getIdElement().getIdPart().equals(inFlight.getIdElement().getIdPart())) {
        consents.add(consent);
      }
    }
    if (inFlight != null) {
      consents.add(inFlight);
    }
    consents.sort(
        Comparator.comparing(
            (Consent c) -> c.hasDateTime() ? c.getDateTime() : new java.util.Date(0)));
    Map<String, State> states = new LinkedHashMap<>();
    for (Consent consent : consents) {
      String kind = kindOf(consent);
      if (kind == null) {
        continue;
      }
      State state = stateOf(consent);
      if (states.get(kind) != State.SIGNED || state == State.SIGNED) {
        states.put(kind, state);
      }
    }
    return states;
  }

  /** The required kinds not signed and in force, each with its state (or "missing"). */
  public Map<String, String> missing(String patient, boolean virtual, Consent inFlight) {
    Map<String, State> states = statesOf(patient, inFlight);
    Map<String, String> missing = new LinkedHashMap<>();
    for (String kind : requiredFor(virtual)) {
      State state = states.get(kind);
      if (state != State.SIGNED) {
        missing.put(kind, state == null ? "missing" : state.code());
      }
    }
    return missing;
  }

  public State stateOf(Consent consent) {
    return switch (consent.getStatus()) {
      case ACTIVE -> {
        if (consent.getProvision().getPeriod().hasEnd()
            && LocalDate.ofInstant(consent.getProvision().getPeriod().getEnd().toInstant(), zone)
                .isBefore(LocalDate.now(clock.withZone(zone)))) {
          yield State.EXPIRED;
        }
        yield State.SIGNED;
      }
      case INACTIVE -> State.REVOKED;
      case REJECTED -> State.DECLINED;
      default -> State.SENT;
    };
  }

  public static String kindOf(Consent consent) {
    return consent.getCategory().stream()
        .flatMap(c -> c.getCoding().stream())
        .filter(c -> IntakeCodes.CONSENT_KIND_SYSTEM.equals(c.getSystem()))
        .map(c -> c.getCode())
        .findFirst()
        .orElse(null);
  }

  /** Words for a missing-consent map: "group-treatment (revoked), telehealth (missing)". */
  public static String describe(Map<String, String> missing) {
    return String.join(
        ", ",
        missing.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").toList());
  }
}
