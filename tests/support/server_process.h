// Runs the real `pingan` binary as a child process on a free port, for API and crash tests.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace pingan::test {

// Path of the built pingan binary (set by CMake).
std::string PinganBinary();

// Runs `pingan ARGS...` to completion, feeding `stdin_text`; returns the exit code and output.
struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};
CommandResult RunPingan(const std::vector<std::string>& args, const std::string& stdin_text = {});

class ServerProcess {
 public:
  // Starts `pingan serve --data-dir DIR --listen 127.0.0.1:0 EXTRA...` and waits for its
  // "listening on" line. port() is 0 if it did not start; output() then says why.
  explicit ServerProcess(const std::string& data_dir, std::vector<std::string> extra_args = {});
  // Starts `pingan ARGS...` as they are (e.g. `demo ...`) and waits the same way.
  struct Args {
    std::vector<std::string> args;
  };
  explicit ServerProcess(Args args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  // SIGKILL and reap: a crash, with no chance to flush or checkpoint.
  void Kill();
  // SIGTERM and wait: a clean shutdown. Returns the exit status.
  int Stop();
  // Everything the server printed so far.
  std::string output() const;

 private:
  void Launch(const std::vector<std::string>& args);
  void Drain();  // reader thread: keeps the pipe empty so the server never blocks on a log line

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string output_;
  bool is_eof_ = false;
  std::thread reader_;
};

// Creates a user through the CLI (the server must not be running on `data_dir`).
bool AddUser(const std::string& data_dir, const std::string& username, const std::string& role,
             const std::string& password);

}  // namespace pingan::test
