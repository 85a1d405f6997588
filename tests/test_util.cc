#include "tests/test_util.h"

#include <thread>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace aftercare::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/aftercare-test-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Child::Child(const std::vector<std::string>& argv, bool merge_stderr) {
  int fds[2], in[2];
  if (::pipe(fds) != 0 || ::pipe(in) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(in[0], STDIN_FILENO);
    ::close(in[0]);
    ::close(in[1]);
    if (merge_stderr) ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  ::close(in[0]);
  out_fd_ = fds[0];
  in_fd_ = in[1];
}

bool Child::write_line(const std::string& line) {
  const std::string data = line + "\n";
  return ::write(in_fd_, data.data(), data.size()) == static_cast<ssize_t>(data.size());
}

Child::~Child() {
  if (!reaped_) {
    kill9();
    wait();
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (in_fd_ >= 0) ::close(in_fd_);
}

bool Child::read_line(std::string& line, int timeout_ms) {
  for (;;) {
    const auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    pollfd pfd{out_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

void Child::kill9() {
  if (!reaped_) ::kill(pid_, SIGKILL);
}

void Child::terminate() {
  if (!reaped_) ::kill(pid_, SIGTERM);
}

int Child::wait(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!reaped_ && std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!reaped_) kill9();
  return wait();
}

int Child::wait() {
  if (!reaped_) {
    ::waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

}  // namespace aftercare::testing

namespace aftercare::testing {

int shell(const std::string& command, std::string* output) {
  Child child({"/bin/sh", "-c", command + " 2>&1"});
  std::string line;
  output->clear();
  while (child.read_line(line, 120000)) *output += line + "\n";
  return child.wait();
}

Envelope make_envelope(const std::string& aggregate, const std::string& id, uint64_t sequence,
                       const std::string& prevhash, const std::string& data) {
  Envelope e;
  e.id = id + "#" + std::to_string(sequence);
  e.type = make_type(aggregate, "noted", 1);
  e.subject = aggregate + "/" + id;
  e.time = Timestamp{1795420800000 + static_cast<int64_t>(sequence) * 1000};
  e.aggregate_id = id;
  e.sequence = sequence;
  e.command_id = "cmd-" + id + "-" + std::to_string(sequence);
  e.actor = "test";
  e.correlation_id = e.command_id;
  e.prevhash = prevhash;
  e.data = data;
  return e;
}

}  // namespace aftercare::testing
