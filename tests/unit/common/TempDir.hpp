#pragma once
// A private directory under $TMPDIR for one test, removed with everything in it.
#include <cstdlib>
#include <fstream>
#include <ftw.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace talk::test {

class TempDir
{
public:
  TempDir()
  {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/talk-test.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    d_path = pattern;
  }
  ~TempDir()
  {
    ::nftw(
        d_path.c_str(), [](const char* file, const struct stat*, int, struct FTW*) { return ::remove(file); }, 16, FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return d_path; }

  // Writes name (relative to the directory) and returns its full path.
  std::string write(const std::string& name, const std::string& content) const
  {
    std::string file = d_path + "/" + name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) {
      throw std::runtime_error("cannot write " + file);
    }
    return file;
  }

  std::string read(const std::string& name) const
  {
    std::ifstream in(d_path + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

private:
  std::string d_path;
};

}
