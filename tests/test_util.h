// Helpers shared by the tests: temporary directories and child processes.
#pragma once

#include <chrono>

#include <sys/types.h>

#include <string>
#include <vector>

namespace aftercare::testing {

// A fresh directory under $TMPDIR, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A child process started with fork+exec, its stdout readable through a pipe.
class Child {
 public:
  // `merge_stderr`: the child's stderr goes to the same pipe as its stdout.
  explicit Child(const std::vector<std::string>& argv, bool merge_stderr = false);
  ~Child();
  // Next line of the child's stdout, or false at EOF or when `timeout_ms` passes.
  bool read_line(std::string& line, int timeout_ms = 30000);
  // Writes `line` and a newline to the child's stdin.
  bool write_line(const std::string& line);
  void kill9();
  void terminate();  // SIGTERM
  int wait();        // exit status as from waitpid, decoded: exit code, or 128+signal
  // The same, but a child still running after `timeout` is killed (SIGKILL, 137).
  int wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int in_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
  int status_ = 0;
};

// Runs a command line with /bin/sh; its exit code (stdout and stderr into `output`).
int shell(const std::string& command, std::string* output);

}  // namespace aftercare::testing

#include "eventstore/envelope.h"

namespace aftercare::testing {

// A valid envelope for tests: aggregate `id` of kind `aggregate`, event
// number `sequence`, chained to `prevhash`.
Envelope make_envelope(const std::string& aggregate, const std::string& id, uint64_t sequence,
                       const std::string& prevhash, const std::string& data = "{}");

}  // namespace aftercare::testing
