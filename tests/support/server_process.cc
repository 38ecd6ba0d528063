#include "support/server_process.h"

#include <chrono>
#include <cstring>
#include <regex>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pingan::test {

std::string PinganBinary() {
  return PINGAN_BINARY;
}

namespace {

// Forks `pingan args`, with stdout+stderr on a pipe whose read end is returned.
pid_t Spawn(const std::vector<std::string>& args, int& out_fd, int* in_fd) {
  int out_pipe[2];
  int in_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return -1;
  if (in_fd != nullptr && ::pipe2(in_pipe, O_CLOEXEC) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    if (in_fd != nullptr) ::dup2(in_pipe[0], 0);
    std::vector<char*> argv;
    std::string binary = PinganBinary();
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  out_fd = out_pipe[0];
  if (in_fd != nullptr) {
    ::close(in_pipe[0]);
    *in_fd = in_pipe[1];
  }
  return pid;
}

}  // namespace

CommandResult RunPingan(const std::vector<std::string>& args, const std::string& stdin_text) {
  int out_fd = -1, in_fd = -1;
  pid_t pid = Spawn(args, out_fd, &in_fd);
  CommandResult result;
  if (pid < 0) return result;
  if (!stdin_text.empty()) (void)!::write(in_fd, stdin_text.data(), stdin_text.size());
  ::close(in_fd);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out_fd, buf, sizeof buf)) > 0) result.out.append(buf, static_cast<size_t>(n));
  ::close(out_fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ServerProcess::ServerProcess(const std::string& data_dir, std::vector<std::string> extra_args) {
  std::vector<std::string> args = {"serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  Launch(args);
}

ServerProcess::ServerProcess(Args args) {
  Launch(args.args);
}

void ServerProcess::Launch(const std::vector<std::string>& args) {
  pid_ = Spawn(args, out_fd_, nullptr);
  if (pid_ < 0) return;
  reader_ = std::thread([this] { Drain(); });
  static const std::regex kListening(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(60), [&] {
    std::smatch m;
    if (std::regex_search(output_, m, kListening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      return true;
    }
    return is_eof_;
  });
}

void ServerProcess::Drain() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    std::lock_guard lock(mu_);
    if (n <= 0) {
      is_eof_ = true;
      cv_.notify_all();
      return;
    }
    output_.append(buf, static_cast<size_t>(n));
    cv_.notify_all();
  }
}

std::string ServerProcess::output() const {
  std::lock_guard lock(mu_);
  return output_;
}

ServerProcess::~ServerProcess() {
  Kill();
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool AddUser(const std::string& data_dir, const std::string& username, const std::string& role,
             const std::string& password) {
  return RunPingan({"user", "add", "--data-dir", data_dir, "--username", username, "--role", role},
                   password + "\n")
             .exit_code == 0;
}

}  // namespace pingan::test
