package org.grouptherapy.system;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.io.Resource;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/** Every {@code app.*} setting; the README documents each one. */
@Validated
@ConfigurationProperties("app")
public record AppProperties(
    @Valid @NotNull @DefaultValue Database database,
    @Valid @NotNull @DefaultValue Fhir fhir,
    @Valid @NotNull @DefaultValue Demo demo,
    @Valid @NotNull @DefaultValue Security security,
    @Valid @NotNull @DefaultValue Scheduling scheduling,
    @Valid @NotNull @DefaultValue Notifications notifications,
    @Valid @NotNull @DefaultValue Intake intake,
    @Valid @NotNull @DefaultValue Billing billing,
    @Valid @NotNull @DefaultValue Attendance attendance,
    @Valid @NotNull @DefaultValue Reminders reminders,
    @Valid @NotNull @DefaultValue Waitlist waitlist) {

  /**
   * A freed seat is offered to the next suitable person waiting, for {@code offerFor}; expired and
   * declined offers are looked for every {@code scanInterval}, and the seat offered to the next.
   */
  public record Waitlist(
      @NotNull @DefaultValue("48h") Duration offerFor,
      @NotNull @DefaultValue("1m") Duration scanInterval) {}

  /**
   * Reminders before each booked session, to its members and facilitators: one per person per
   * session per entry of {@code before} (the reminder whose time has come and is the nearest to the
   * session; a session booked late gets only that one), looked for every {@code scanInterval}. A
   * member opts out with the {@code session-reminders} extension set to false on their Patient.
   */
  public record Reminders(
      @DefaultValue("true") boolean enabled,
      @NotNull @DefaultValue({"48h", "2h"}) List<Duration> before,
      @NotNull @DefaultValue("1m") Duration scanInterval,
      @Valid @NotNull @DefaultValue Sms sms) {}

  /**
   * Text messages, the second channel (to a mobile number on file): an HTTP provider ({@code url},
   * JSON {@code {"to", "body", "reference"}} POSTed with the bearer {@code token} if set), or an
   * SMTP-to-SMS gateway ({@code emailGateway}: mail to {@code <digits>@<emailGateway>}). Neither
   * set: no text messages.
   */
  public record Sms(
      @DefaultValue("") String url,
      @DefaultValue("") String token,
      @DefaultValue("") String emailGateway,
      @NotNull @DefaultValue("10s") Duration timeout) {

    public boolean configured() {
      return !url.isBlank() || !emailGateway.isBlank();
    }
  }

  /**
   * After a no-show: whether the member gets a "we missed you" message (the VA's follow-up Task and
   * the facilitators' Flag after two in a row are always written).
   */
  public record Attendance(@DefaultValue("true") boolean noShowMessage) {}

  /** The embedded PostgreSQL, used only when no {@code spring.datasource.url} is configured. */
  public record Database(@Valid @NotNull @DefaultValue Embedded embedded) {}

  public record Embedded(
      @NotNull @DefaultValue("data/postgres") Path dataDirectory,
      @Min(0) @DefaultValue("0") int port) {}

  /**
   * FHIR server behaviour. {@code tuned=false} and {@code validation=false} give the plain-HAPI
   * baseline that the benchmark compares against. {@code strictParsing=false} stores what R4
   * forbids (unknown elements, nulls, empty values) as HAPI does by default, for legacy feeds.
   */
  public record Fhir(
      @NotBlank @DefaultValue("/fhir") String path,
      @NotNull @DefaultValue("8MB") DataSize maxRequestSize,
      @Min(1) @DefaultValue("50") int defaultPageSize,
      @Min(1) @DefaultValue("500") int maxPageSize,
      @DefaultValue("true") boolean tuned,
      @DefaultValue("true") boolean validation,
      @DefaultValue("true") boolean strictParsing,
      @DefaultValue("") String serverAddress,
      @NotNull @DefaultValue("2s") Duration batchMaintenanceInterval,
      @Min(1) @DefaultValue("60") int maxSearchParameters,
      @Min(1) @DefaultValue("1000") int maxSearchValues,
      @NotNull @DefaultValue("-1") java.util.List<Integer> searchPrefetchThresholds) {}

  /**
   * Access control. With no {@code issuer-uri} the server runs its own authorization server; with
   * one, tokens of that OpenID provider are accepted and the embedded one is off. {@code
   * enabled=false} opens the API to anyone and exists only for the benchmark's baseline. {@code
   * trustedProxies}: addresses or CIDR ranges of the proxies (load balancers) whose {@code
   * Forwarded} and {@code X-Forwarded-*} headers are honoured; from anyone else they are removed.
   */
  public record Security(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("") String issuerUri,
      @DefaultValue("") String publicUrl,
      @NotNull @DefaultValue("15m") Duration accessTokenLifetime,
      @NotNull @DefaultValue("8h") Duration refreshTokenLifetime,
      @NotNull @DefaultValue("0s") Duration clockSkew,
      @NotNull @DefaultValue("5m") Duration maxClientAssertionLifetime,
      @NotNull @DefaultValue("*") List<String> allowedOrigins,
      @NotNull @DefaultValue Throttle throttle,
      @NotNull @DefaultValue List<String> trustedProxies) {

    public boolean embeddedAuthorizationServer() {
      return issuerUri.isBlank();
    }
  }

  /**
   * Sign-in and client authentication throttling, per user name (or client id) and per source
   * address: after {@code freeFailures} failures within {@code window}, each further attempt must
   * wait {@code firstDelay}, doubling per failure up to {@code maxDelay}; after {@code
   * lockoutFailures} the account or address is locked for {@code lockout}. A success clears the
   * count of the user or client (not of the address).
   */
  public record Throttle(
      @DefaultValue("true") boolean enabled,
      @Min(0) @DefaultValue("3") int freeFailures,
      @NotNull @DefaultValue("1s") Duration firstDelay,
      @NotNull @DefaultValue("5m") Duration maxDelay,
      @Min(1) @DefaultValue("10") int lockoutFailures,
      @NotNull @DefaultValue("15m") Duration lockout,
      @NotNull @DefaultValue("1h") Duration window,
      @Min(1) @DefaultValue("50") int addressFailures) {}

  /**
   * Scheduling: the time zone of groups that name none. {@code enforceInvariants=false} switches
   * the booking ledger off and exists only for the benchmark's plain-HAPI baseline.
   */
  public record Scheduling(
      @NotNull @DefaultValue("America/New_York") ZoneId defaultTimeZone,
      @DefaultValue("true") boolean enforceInvariants,
      @NotNull @DefaultValue("warn") OutsideWorkingHours outsideWorkingHours) {}

  /**
   * A group session outside a facilitator's working hours: a warning naming the hours ({@code
   * warn}), or a booking conflict (409 unless overridden with a reason) ({@code conflict}).
   */
  public enum OutsideWorkingHours {
    WARN,
    CONFLICT
  }

  /**
   * Notification delivery from the outbox: email through Spring Mail when {@code spring.mail.host}
   * is set. A failed message is retried after {@code initialBackoff}, doubling each time, until
   * {@code maxAttempts}. A dispatcher holds the messages it sends for {@code lease} (renewed before
   * each send); a message whose dispatcher died is sent again after it.
   */
  public record Notifications(
      @NotBlank @DefaultValue("Riverbend Group Therapy <no-reply@grouptherapy.example.org>")
          String from,
      @NotNull @DefaultValue("5s") Duration dispatchInterval,
      @NotNull @DefaultValue("30s") Duration initialBackoff,
      @Min(1) @DefaultValue("8") int maxAttempts,
      @Min(1) @DefaultValue("50") int batchSize,
      @NotNull @DefaultValue("5m") Duration lease) {}

  /** Intake pipeline: how many days in one stage make an intake stale on the board. */
  public record Intake(@Min(1) @DefaultValue("7") int staleAfterDays) {}

  /**
   * Billing: the payer rules file (codes, place of service, modifiers, limits, fees); a Spring
   * resource location, the built-in one by default.
   */
  public record Billing(
      @NotNull @DefaultValue("classpath:billing/billing-rules.json") Resource rules,
      @Valid @NotNull @DefaultValue Clearinghouse clearinghouse) {}

  /**
   * The clearinghouse 837P files go to: the interchange sender and receiver (ISA05/06, ISA07/08,
   * GS02/03), the receiver's name (loop 1000B), the submitter contact's name (loop 1000A PER), and
   * whether files are production ({@code P}) or test ({@code T}, ISA15).
   */
  public record Clearinghouse(
      @NotBlank @DefaultValue("ZZ") String senderQualifier,
      @NotBlank @DefaultValue("GROUPTHERAPY") String senderId,
      @NotBlank @DefaultValue("ZZ") String receiverQualifier,
      @NotBlank @DefaultValue("CLEARINGHOUSE") String receiverId,
      @NotBlank @DefaultValue("CLEARINGHOUSE") String receiverName,
      @NotBlank @DefaultValue("BILLING OFFICE") String contactName,
      @jakarta.validation.constraints.Pattern(regexp = "P|T", message = "usage must be P or T")
          @DefaultValue("P")
          String usage) {}

  /** The demo practice, loaded through the FHIR API on the first start. */
  public record Demo(@DefaultValue("true") boolean enabled) {}
}
