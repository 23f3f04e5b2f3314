#include "ssh/authenticator.h"

#include <libssh/libssh.h>

#include <cstdlib>

namespace ssh {
namespace {

bool AgentAvailable() {
  const char* sock = std::getenv("SSH_AUTH_SOCK");
  return sock != nullptr && *sock != '\0';
}

}  // namespace

Authenticator::Authenticator(ssh_session_struct* session,
                             const SessionOptions& options, KeyRing* key_ring)
    : session_(session), options_(options), key_ring_(key_ring) {
  if (options_.use_agent && AgentAvailable()) {
    attempts_.push_back({Kind::kAgent, ""});
  }
  for (const std::string& path : options_.identity_files) {
    attempts_.push_back({Kind::kKey, path});
  }
  if (options_.password) attempts_.push_back({Kind::kPassword, ""});
}

int Authenticator::Try(const Attempt& attempt, util::Status* skip_or_fatal) {
  switch (attempt.kind) {
    case Kind::kAgent:
      return ssh_userauth_agent(session_, nullptr);
    case Kind::kPassword:
      return ssh_userauth_password(session_, nullptr,
                                   options_.password->c_str());
    case Kind::kKey: {
      KeyRing::LoadResult loaded = key_ring_->Load(attempt.key_path);
      if (loaded.missing) {
        missing_keys_.push_back(attempt.key_path);
        return SSH_AUTH_DENIED;  // Not an attempt: nothing was sent.
      }
      if (!loaded.status.ok()) {
        *skip_or_fatal = loaded.status;
        return SSH_AUTH_ERROR;
      }
      return ssh_userauth_publickey(session_, nullptr, loaded.key);
    }
  }
  return SSH_AUTH_ERROR;
}

std::string Authenticator::Method() const {
  if (next_ >= attempts_.size()) return "";
  const Attempt& attempt = attempts_[next_];
  switch (attempt.kind) {
    case Kind::kAgent: return "ssh-agent";
    case Kind::kKey: return "key " + attempt.key_path;
    case Kind::kPassword: return "password";
  }
  return "";
}

bool Authenticator::Step(util::Status* result) {
  while (next_ < attempts_.size()) {
    const Attempt& attempt = attempts_[next_];
    util::Status local;
    int rc = Try(attempt, &local);
    if (rc == SSH_AUTH_AGAIN) return false;
    if (rc == SSH_AUTH_SUCCESS) {
      *result = util::Status::Ok();
      return true;
    }
    ++next_;
    if (rc == SSH_AUTH_ERROR) {
      if (!local.ok()) {
        // A key we could not load (e.g. wrong passphrase) ends the attempt
        // list: going on would hide the cause the user needs to see.
        *result = local;
        return true;
      }
      if (ssh_is_connected(session_) == 0) {
        *result = util::Status::Error(
            "connection lost during authentication: " +
            NormalizeErrorText(ssh_get_error(session_)));
        return true;
      }
    }
    switch (attempt.kind) {
      case Kind::kAgent:
        failures_.push_back(util::Status::Error("key refused (ssh-agent)"));
        break;
      case Kind::kKey:
        if (missing_keys_.empty() || missing_keys_.back() != attempt.key_path) {
          failures_.push_back(
              util::Status::Error("key refused (" + attempt.key_path + ")"));
        }
        break;
      case Kind::kPassword:
        failures_.push_back(util::Status::Error("password refused"));
        break;
    }
  }
  *result = Failure();
  return true;
}

util::Status Authenticator::Failure() const {
  if (failures_.size() == 1) return failures_.front();
  util::Status status =
      util::Status::Error("no authentication method succeeded");
  for (const util::Status& failure : failures_) status.AddCause(failure);
  if (failures_.empty()) {
    std::string tried = "no ssh-agent, no password and no key file found";
    if (!missing_keys_.empty()) {
      tried += " (looked for";
      for (const std::string& path : missing_keys_) tried += " " + path;
      tried += ")";
    }
    status.AddCause(util::Status::Error(tried));
  }
  return status;
}

}  // namespace ssh
