#include "commands/command_bus.h"

#include "base/ids.h"
#include "base/metrics.h"
#include "domain/json.h"

namespace aftercare {

Topic topic_for(AggregateKind kind) {
  // Every registered kind names a topic of kAllTopics (topics_test checks).
  return topic_from_name(kind.topic()).value();
}

std::string event_id(const std::string& command_id, const std::string& fingerprint, uint64_t sequence) {
  return uuid_from_name(command_id + "|" + fingerprint + "|" + std::to_string(sequence));
}

Envelope event_envelope(AggregateKind kind, const std::string& id, const CommandContext& ctx, uint64_t sequence,
                        const std::string& prevhash, const Event& ev) {
  const std::string kind_name(kind.name());
  Envelope env;
  env.sequence = sequence;
  env.id = event_id(ctx.command_id, ctx.fingerprint, sequence);
  env.type = make_type(kind_name, ev.name, ev.version);
  env.subject = kind_name + "/" + id;
  env.time = ev.time;
  env.aggregate_id = id;
  env.command_id = ctx.command_id;
  env.actor = ctx.actor;
  env.correlation_id = ctx.correlation_id;
  env.prevhash = prevhash;
  env.data = ev.data;
  return env;
}

Status check_round_trip(const Envelope& env, std::string_view bytes) {
  thread_local simdjson::dom::parser parser;
  auto back = decode(bytes, parser);
  if (!back)
    return {Errc::unprocessable, "the command would record an event that does not decode (" +
                                     back.status().message() + "); nothing was written"};
  if (*back != env)
    return {Errc::unprocessable, "the command would record an event that does not read back as written; nothing was written"};
  return Status::ok();
}

Position CommandBus::settled_position(const std::string& partition_key) {
  // Nothing new was written; wait for wherever this aggregate's earlier
  // events may still be on their way into the read models.
  Position p;
  const int32_t partition = log_.partition_of(partition_key);
  for (Topic t : kAllTopics) {
    auto end = log_.end_offset({t, partition});
    if (end && *end > 0) p.advance({t, partition}, *end);
  }
  return p;
}

void CommandBus::execute(AggregateKind kind, std::string id, CommandContext ctx, DecideFn decide,
                         DoneFn done) {
  const Admission admitted = admission_;
  if (admitted == Admission::none || (admitted == Admission::deadlines && !ctx.from_timer)) {
    done(CommandOutcome::failed(Status{Errc::unavailable, admitted == Admission::none
                                                              ? "the write side is still catching up with the log"
                                                              : "the write side is firing deadlines that fell due "
                                                                "while it was down"}));
    return;
  }
  // The state it would decide on is stale once the tailer stopped (an event
  // it cannot fold): nothing may be written on it.
  if (Status s = state_.health(); !s) {
    done(CommandOutcome::failed(Status{Errc::unavailable, "commands are refused while the write side's state is stopped: " + s.message()}));
    return;
  }
  if (!ctx.derived_id) return on_aggregate(kind, std::move(id), std::move(ctx), std::move(decide), std::move(done));
  // A derived command id (Idempotency-Key, timer) may arrive twice at once,
  // even for two different aggregates: the second must see the first's
  // outcome. So such commands are serialised on their id first, then on
  // their aggregate — always in that order, so the two queues cannot
  // deadlock (and they are two serializers, so their stripes never collide).
  const std::string command_id = ctx.command_id;
  command_ids_.submit(command_id, [this, kind, id = std::move(id), ctx = std::move(ctx), decide = std::move(decide),
                                   done = std::move(done)](Serializer::Done finished) mutable {
    on_aggregate(kind, std::move(id), std::move(ctx), std::move(decide),
                 [done = std::move(done), finished](CommandOutcome o) {
                   done(std::move(o));
                   finished();
                 });
  });
}

void CommandBus::on_aggregate(AggregateKind kind, std::string id, CommandContext ctx, DecideFn decide, DoneFn done) {
  const std::string key = aggregate_key(kind, id);
  serializer_.submit(key, [this, kind, id = std::move(id), ctx = std::move(ctx),
                           decide = std::move(decide),
                           done = std::move(done)](Serializer::Done finished) mutable {
    DoneFn reply = [done = std::move(done), finished](CommandOutcome o) {
      done(std::move(o));
      finished();
    };
    state_.when_settled(kind, id, topic_for(kind),
                             [this, kind, id, ctx, decide, reply](Status settled) mutable {
                               if (!settled) return reply(CommandOutcome::failed(std::move(settled)));
                               run(kind, id, ctx, decide, std::move(reply));
                             });
  });
}

// A refusal is an outcome too: with an Idempotency-Key, a retry must get
// the same answer even after a restart, so it is recorded in the log (topic
// aftercare.commands) before it is answered. Without a key nobody can retry.
void CommandBus::refuse(const AggregateKind kind, const std::string& id, const CommandContext& ctx,
                        CommandOutcome refusal, DoneFn done) {
  if (!ctx.derived_id) return done(std::move(refusal));
  JsonWriter data;
  data.begin_object().field("target", std::string(kind.name()) + "/" + id);
  data.field("status", errc_name(refusal.status.code())).field("detail", refusal.status.message());
  data.field("current_status", refusal.current_status).end_object();
  // Its own aggregate, command/<command id>, with this one event.
  const Envelope env = event_envelope(command_kind(), ctx.command_id, ctx, 1, std::string(kGenesisHash),
                                      Event{"refused", 1, data.take(), clock_.now()});
  std::string bytes = encode(env);
  if (Status s = check_round_trip(env, bytes); !s) return done(CommandOutcome::failed(std::move(s)));
  CommandRecord record{env.subject, 1, 1, env.id,
                       CommandRecord::Refusal{refusal.status.code(), refusal.status.message(), refusal.current_status}};
  std::vector<AppendItem> items;
  items.push_back(AppendItem{Topic::commands, ctx.command_id, std::move(bytes), env.type, env.id});
  log_.append(std::move(items), [this, record = std::move(record), command_id = ctx.command_id,
                                 refusal = std::move(refusal), done = std::move(done)](Result<std::vector<RecordId>> ids) mutable {
    if (!ids)
      return done(CommandOutcome::failed(Status{Errc::unavailable,
          "the refusal could not be recorded (" + ids.status().message() + "); retry with the same Idempotency-Key"}));
    Position written;
    for (const auto& r : *ids) written.include(r);
    state_.remember_command(command_id, record);
    refusal.position = std::move(written);
    done(std::move(refusal));
  });
}

void CommandBus::run(AggregateKind kind, const std::string& id, const CommandContext& ctx,
                     const DecideFn& decide, DoneFn done) {
  auto loaded = state_.load(kind, id);
  if (!loaded) return done(CommandOutcome::failed(loaded.status()));
  AggregateHead head = std::move(loaded).value();
  std::optional<CommandRecord> earlier;
  if (ctx.derived_id) {
    auto found = state_.find_command(ctx.command_id);
    if (!found) return done(CommandOutcome::failed(found.status()));
    earlier = std::move(found).value();
  }
  if (earlier) {
    // A command id seen before: the same request again, or a reused key.
    if (earlier->first_id != event_id(ctx.command_id, ctx.fingerprint, earlier->first))
      return done(CommandOutcome::failed(Status{
          Errc::unprocessable, "this Idempotency-Key was used for a different request"}));
    if (earlier->refused) {
      // Refused the first time: the same answer again.
      CommandOutcome o = CommandOutcome::unchanged(Status{earlier->refused->code, earlier->refused->detail}, head,
                                                   earlier->refused->current_status);
      o.replayed = true;
      return done(std::move(o));
    }
    CommandOutcome o = CommandOutcome::unchanged(Status::ok(), head);
    o.replayed = true;
    o.created = earlier->first == 1;
    o.version = earlier->last;
    o.position = settled_position(kind.partition_key(id, head.state.get()));
    if (head.sequence != earlier->last) o.typed.reset();  // the caller rebuilds it as of `last`
    return done(std::move(o));
  }
  if (ctx.expect_exists && head.sequence == 0)
    return refuse(kind, id, ctx, CommandOutcome::unchanged(
        Status{Errc::precondition_failed, "If-Match: * but there is no such record yet"}, head), std::move(done));
  if (ctx.expected_version && *ctx.expected_version != head.sequence) {
    return refuse(kind, id, ctx, CommandOutcome::unchanged(
        Status{Errc::precondition_failed, "version is " + std::to_string(head.sequence) +
                                              ", not " + std::to_string(*ctx.expected_version)},
        head), std::move(done));
  }
  const Timestamp now = clock_.now();
  Decision decision = decide(head, now);
  if (auto* r = std::get_if<Rejection>(&decision)) {
    // A refusal the world may change (the log is unavailable) is not an
    // answer to remember: a retry should try again.
    CommandOutcome o = CommandOutcome::unchanged(Status{r->code, r->message}, head, r->current_status);
    if (r->code == Errc::unavailable || r->code == Errc::io_error || r->code == Errc::corruption)
      return done(std::move(o));
    return refuse(kind, id, ctx, std::move(o), std::move(done));
  }
  auto& events = std::get<std::vector<Event>>(decision);
  if (events.empty()) {
    CommandOutcome o = CommandOutcome::unchanged(Status::ok(), head);
    o.position = settled_position(kind.partition_key(id, head.state.get()));
    return done(std::move(o));
  }

  // The events fold into a copy of the typed state: no JSON on this path.
  AggregateHead next = head;
  std::unique_ptr<AggregateState> state = head.state ? head.state->clone() : kind.spec().empty_state();
  std::vector<AppendItem> items;
  const std::string kind_name(kind.name());
  for (Event& ev : events) {
    ev.time = now;
    if (Status s = state->apply(id, ev); !s) return done(CommandOutcome::failed(std::move(s)));
    const Envelope env = event_envelope(kind, id, ctx, next.sequence + 1, next.hash, ev);
    std::string bytes = encode(env);
    // Nothing may reach the log that does not read back as written: a
    // record that fails to decode would stop every reader of its topic.
    if (Status s = check_round_trip(env, bytes); !s) return done(CommandOutcome::failed(std::move(s)));
    next.sequence = env.sequence;
    next.hash = chain_hash(bytes);
    items.push_back(AppendItem{topic_for(kind), kind.partition_key(id, state.get()), std::move(bytes), env.type, env.id});
  }
  next.state = std::shared_ptr<const AggregateState>(std::move(state));
  const bool created = head.sequence == 0;
  CommandRecord record{kind_name + "/" + id, head.sequence + 1, next.sequence,
                       event_id(ctx.command_id, ctx.fingerprint, head.sequence + 1), std::nullopt};
  std::string partition_key = items.back().key;
  log_.append(std::move(items), [this, kind, id, next = std::move(next), created, record,
                                 command_id = ctx.command_id, partition_key = std::move(partition_key),
                                 done = std::move(done)](Result<std::vector<RecordId>> ids) mutable {
    // On the log's thread: bookkeeping and the answer only. The aggregate's
    // next command, if one is queued, is handed to the executor (Serializer).
    if (!ids) {
      state_.unsettle(kind, id, partition_key);  // some of the events may be in the log after all
      return done(CommandOutcome::failed(ids.status()));
    }
    Position written;
    for (const auto& r : *ids) written.include(r);
    state_.remember(kind, id, next);
    state_.remember_command(command_id, record);
    CommandOutcome o = CommandOutcome::unchanged(Status::ok(), next);
    o.position = std::move(written);
    o.created = created;
    done(std::move(o));
  });
}

}  // namespace aftercare
