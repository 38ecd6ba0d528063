#include "map/address_search.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace pingan::map {

std::string FoldForSearch(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = true;  // drops leading spaces
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!space) out.push_back(' ');
      space = true;
      continue;
    }
    space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

AddressIndex::AddressIndex(const roads::RoadGraph& graph, const std::vector<Place>& places)
    : graph_(graph) {
  // Streets: the connected stretches of segments sharing a name.
  std::map<uint32_t, std::vector<uint32_t>> by_name;
  for (uint32_t s = 0; s < graph.segment_count(); ++s) {
    if (graph.segment(s).name != 0) by_name[graph.segment(s).name].push_back(s);
  }
  for (const auto& [name, segs] : by_name) {
    std::unordered_map<uint32_t, std::vector<uint32_t>> at_node;
    for (uint32_t s : segs) {
      at_node[graph.segment(s).from].push_back(s);
      at_node[graph.segment(s).to].push_back(s);
    }
    std::set<uint32_t> seen_segments;
    for (uint32_t s0 : segs) {
      if (seen_segments.contains(s0)) continue;
      Street street{name, {}, {}};
      std::vector<uint32_t> stack = {s0};
      seen_segments.insert(s0);
      while (!stack.empty()) {
        uint32_t s = stack.back();
        stack.pop_back();
        for (uint32_t n : {graph.segment(s).from, graph.segment(s).to}) {
          street.nodes.push_back(n);
          for (uint32_t t : at_node[n])
            if (seen_segments.insert(t).second) stack.push_back(t);
        }
      }
      std::sort(street.nodes.begin(), street.nodes.end());
      street.nodes.erase(std::unique(street.nodes.begin(), street.nodes.end()), street.nodes.end());
      // The node nearest the stretch's centre: a point that is on the street itself.
      double lon = 0, lat = 0;
      for (uint32_t n : street.nodes) {
        lon += graph.node(n).lon;
        lat += graph.node(n).lat;
      }
      LonLat centre{lon / double(street.nodes.size()), lat / double(street.nodes.size())};
      double best = 1e18;
      for (uint32_t n : street.nodes) {
        double d = DistanceM(graph.node(n), centre);
        if (d < best) {
          best = d;
          street.at = graph.node(n);
        }
      }
      streets_.push_back(std::move(street));
    }
  }
  for (const Place& p : places) {
    entries_.push_back(Entry{FoldForSearch(p.name), p.name, p.kind, p.at, -1});
  }
  for (size_t i = 0; i < streets_.size(); ++i) {
    std::string name(graph.name(streets_[i].name));
    entries_.push_back(Entry{FoldForSearch(name), name, "street", streets_[i].at, int(i)});
  }
}

std::vector<std::pair<int, const AddressIndex::Entry*>> AddressIndex::Match(
    std::string_view query) const {
  std::string q = FoldForSearch(query);
  std::vector<std::string> words;
  for (size_t at = 0; at < q.size();) {
    size_t end = q.find(' ', at);
    if (end == std::string::npos) end = q.size();
    if (end > at) words.push_back(q.substr(at, end - at));
    at = end + 1;
  }
  std::vector<std::pair<int, const Entry*>> found;
  if (words.empty()) return found;
  for (const Entry& e : entries_) {
    bool all = std::all_of(words.begin(), words.end(), [&](const std::string& w) {
      return e.folded.find(w) != std::string::npos;
    });
    if (!all) continue;
    int rank = e.folded == q ? 0 : e.folded.starts_with(q) ? 1 : 2;
    found.emplace_back(rank, &e);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    bool a_street = a.second->street >= 0, b_street = b.second->street >= 0;
    if (a_street != b_street) return !a_street;
    if (a.second->name.size() != b.second->name.size())
      return a.second->name.size() < b.second->name.size();
    return a.second->name < b.second->name;
  });
  return found;
}

std::vector<AddressHit> AddressIndex::Crossings(std::string_view a, std::string_view b,
                                                size_t limit) const {
  auto streets_of = [&](std::string_view q) {
    std::vector<const Street*> out;
    for (const auto& [rank, e] : Match(q)) {
      if (e->street >= 0) out.push_back(&streets_[size_t(e->street)]);
      if (out.size() >= 8) break;
    }
    return out;
  };
  std::vector<AddressHit> hits;
  for (const Street* sa : streets_of(a)) {
    for (const Street* sb : streets_of(b)) {
      if (sa->name == sb->name) continue;
      std::vector<uint32_t> common;
      std::set_intersection(sa->nodes.begin(), sa->nodes.end(), sb->nodes.begin(), sb->nodes.end(),
                            std::back_inserter(common));
      if (common.empty()) continue;
      hits.push_back(AddressHit{
          std::string(graph_.name(sa->name)) + " 与 " + std::string(graph_.name(sb->name)),
          "intersection", graph_.node(common.front())});
      if (hits.size() >= limit) return hits;
    }
  }
  return hits;
}

std::vector<AddressHit> AddressIndex::Search(std::string_view query, size_t limit) const {
  std::vector<AddressHit> hits;
  if (limit == 0) return hits;
  // "A与B", "A和B交叉口", "A & B", "A / B": a crossing, when both sides name streets that meet.
  std::string q(query);
  for (std::string_view suffix : {"交叉口", "交叉路口", "路口", "交口"}) {
    if (q.size() > suffix.size() && q.ends_with(suffix)) {
      q.resize(q.size() - suffix.size());
      break;
    }
  }
  for (std::string_view sep : {"与", "和", "&", "＆", "/", "、", " and "}) {
    size_t at = q.find(sep);
    if (at == std::string::npos || at == 0 || at + sep.size() >= q.size()) continue;
    auto crossings = Crossings(q.substr(0, at), q.substr(at + sep.size()), limit);
    hits.insert(hits.end(), crossings.begin(), crossings.end());
    if (!crossings.empty()) break;
  }
  for (const auto& [rank, e] : Match(query)) {
    if (hits.size() >= limit) break;
    // Stretches of one street broken by a gap (a square, a missing block) are one answer to
    // a dispatcher; the same name a kilometre away is another street.
    bool same_place = std::any_of(hits.begin(), hits.end(), [&](const AddressHit& h) {
      return h.name == e->name && h.kind == e->kind && DistanceM(h.at, e->at) < 1000;
    });
    if (!same_place) hits.push_back(AddressHit{e->name, e->kind, e->at});
  }
  return hits;
}

}  // namespace pingan::map
